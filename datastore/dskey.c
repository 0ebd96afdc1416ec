/* dskey: see dskey.h. */
#include "dskey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/xalloc.h"

static const struct {
	const char *plural;	/* NULL: the affinity prefix */
	const char *kind;
} kinds[DSKEY_NKINDS] = {
	[DSKEY_NODE] = { "nodes", "Node" },
	[DSKEY_BGPCONF] = { "bgpconfigurations", "BGPConfiguration" },
	[DSKEY_PEER] = { "bgppeers", "BGPPeer" },
	[DSKEY_POOL] = { "ippools", "IPPool" },
	[DSKEY_FILTER] = { "bgpfilters", "BGPFilter" },
	[DSKEY_BFD] = { "bfdconfigurations", "BFDConfiguration" },
	[DSKEY_AFFINITY] = { NULL, "BlockAffinity" },
};

void
dskey_prefixes_init(struct dskey_prefixes *p, const char *node)
{
	for (int k = 0; k < DSKEY_NKINDS; k++) {
		if (kinds[k].plural != NULL)
			p->v[k] = xasprintf("%s%s/", DSKEY_RESOURCES,
			    kinds[k].plural);
		else
			p->v[k] = xasprintf("/calico/ipam/v2/host/%s/", node);
	}
}

void
dskey_prefixes_free(struct dskey_prefixes *p)
{
	for (int k = 0; k < DSKEY_NKINDS; k++) {
		free(p->v[k]);
		p->v[k] = NULL;
	}
}

const char *
dskey_kind_name(enum dskey_kind k)
{
	return k >= 0 && k < DSKEY_NKINDS ? kinds[k].kind : "?";
}

/* "ipv4/block/10.0.0.0-26" -> AF_INET, "10.0.0.0/26". */
static int
affinity_rest(const char *rest, size_t len, struct dskey_info *out,
    const char **why)
{
	static const char v4[] = "ipv4/block/", v6[] = "ipv6/block/";
	const char *cidr, *dash;
	size_t clen;

	if (len > sizeof(v4) - 1 && memcmp(rest, v4, sizeof(v4) - 1) == 0)
		out->af = AF_INET;
	else if (len > sizeof(v6) - 1 && memcmp(rest, v6, sizeof(v6) - 1) == 0)
		out->af = AF_INET6;
	else {
		*why = "expected .../ipv4/block/<cidr> or "
		    ".../ipv6/block/<cidr>";
		return -1;
	}
	cidr = rest + sizeof(v4) - 1;
	clen = len - (sizeof(v4) - 1);
	dash = NULL;
	for (size_t i = 0; i < clen; i++) {
		if (cidr[i] == '-')
			dash = cidr + i;
		if (cidr[i] == '/' || cidr[i] == '\0') {
			*why = "the block CIDR has a '/' or NUL in it";
			return -1;
		}
	}
	if (dash == NULL) {
		*why = "the block is not written as <address>-<length>";
		return -1;
	}
	memcpy(out->name, cidr, clen);
	out->name[clen] = '\0';
	out->name[dash - cidr] = '/';
	return 0;
}

int
dskey_parse(const struct dskey_prefixes *p, const char *key, size_t len,
    struct dskey_info *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	*why = NULL;
	for (int k = 0; k < DSKEY_NKINDS; k++) {
		size_t plen = strlen(p->v[k]);
		const char *rest = key + plen;
		size_t rlen = len - plen;

		if (len < plen || memcmp(key, p->v[k], plen) != 0)
			continue;
		out->kind = (enum dskey_kind)k;
		if (len >= DSKEY_MAX) {
			*why = "key longer than 1023 bytes";
			return -1;
		}
		if (k == DSKEY_AFFINITY)
			return affinity_rest(rest, rlen, out, why);
		if (rlen == 0 || memchr(rest, '/', rlen) != NULL ||
		    memchr(rest, '\0', rlen) != NULL) {
			*why = "expected <prefix><name>, one component";
			return -1;
		}
		memcpy(out->name, rest, rlen);
		out->name[rlen] = '\0';
		return 0;
	}
	return 1;
}

void
dskey_range_end(const char *prefix, char *out, size_t size)
{
	size_t len = strlen(prefix);

	if (len == 0 || len >= size) {
		if (size > 0)
			out[0] = '\0';
		return;
	}
	memcpy(out, prefix, len + 1);
	/* Every prefix ends in '/' (0x2f), so +1 is '0' and never wraps. */
	out[len - 1] = (char)(out[len - 1] + 1);
}
