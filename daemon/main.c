/*
 * main: the bgpd command line.  (Foundation skeleton: the real CLI, with
 * --check and the plan, lands in the next commit.)
 */
#include <stdio.h>

#include "lib/log.h"

int
main(int argc, char **argv)
{
	log_init("bgpd", LOG_LVL_INFO, false);
	fprintf(stderr, "bgpd: not yet functional\n");
	return 1;
}
