# bench/tools.mk: the benchmark tools (bench/TOOLS.md).
#
#   included from the top Makefile:	make bench-tools
#   standalone, from the top folder:	make -f bench/tools.mk bench-tools
#
# The tools compile the lib/, bgp/ and fib/ sources they need into
# $(BENCH_B)/obj with the flags of the main build (ALL_CFLAGS when the
# top Makefile is there, the same list otherwise) and always -O2.  Every
# variable here starts with BENCH_ so nothing of the includer changes,
# and including this file does not change the default goal.

BENCH_SAVED_GOAL := $(.DEFAULT_GOAL)

BENCH_B	?= build/bench

ifndef ALL_CFLAGS
CC	?= cc
BENCH_WARN := -Wall -Wextra -Wno-unused-parameter -Wshadow \
	   -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
	   -Wformat=2 -Wvla -Wimplicit-fallthrough -Wundef -Werror
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -I. $(BENCH_WARN) -O2 -g \
	     $(shell pkg-config --cflags libmnl 2>/dev/null) -MMD -MP $(CFLAGS)
ALL_LDFLAGS = $(LDFLAGS)
endif

BENCH_CFLAGS = $(ALL_CFLAGS) -O2
BENCH_MNL := $(shell pkg-config --libs libmnl 2>/dev/null || echo -lmnl)

BENCH_LIB_SRC := $(sort $(wildcard lib/*.c))
BENCH_BGP_SRC := bgp/bgp.c bgp/msg.c bgp/update.c bgp/attr.c \
	bgp/aspath.c bgp/nlri.c
BENCH_FIB_SRC := fib/fib.c fib/ftab.c fib/kmirror.c fib/nl.c
bench_obj = $(patsubst %.c,$(BENCH_B)/obj/%.o,$(1))

BENCH_GEN_OBJ := $(call bench_obj,bench/gen.c bench/gen_enc.c \
	bench/common.c $(BENCH_BGP_SRC) \
	$(BENCH_LIB_SRC))
BENCH_OBSERVE_OBJ := $(call bench_obj,bench/observe.c bench/common.c \
	fib/nl.c \
	$(BENCH_LIB_SRC))
BENCH_FIBLOAD_OBJ := $(call bench_obj,bench/fibload.c bench/common.c \
	$(BENCH_FIB_SRC) \
	$(BENCH_LIB_SRC))
BENCH_MRTFEED_OBJ := $(call bench_obj,bench/mrtfeed.c bench/common.c \
	$(BENCH_BGP_SRC) $(BENCH_LIB_SRC))
BENCH_NLFLOOR_OBJ := $(call bench_obj,bench/nlfloor.c bench/common.c \
	$(BENCH_LIB_SRC))

.PHONY: bench-tools bench-tools-clean

bench-tools: $(BENCH_B)/gen $(BENCH_B)/observe $(BENCH_B)/fibload \
	$(BENCH_B)/mrtfeed $(BENCH_B)/nlfloor

$(BENCH_B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -c $< -o $@

$(BENCH_B)/gen: $(BENCH_GEN_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $(BENCH_GEN_OBJ)

$(BENCH_B)/observe: $(BENCH_OBSERVE_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $(BENCH_OBSERVE_OBJ) $(BENCH_MNL)

$(BENCH_B)/fibload: $(BENCH_FIBLOAD_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $(BENCH_FIBLOAD_OBJ) $(BENCH_MNL)

$(BENCH_B)/mrtfeed: $(BENCH_MRTFEED_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $(BENCH_MRTFEED_OBJ)

$(BENCH_B)/nlfloor: $(BENCH_NLFLOOR_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $(BENCH_NLFLOOR_OBJ) $(BENCH_MNL)

bench-tools-clean:
	rm -rf $(BENCH_B)/obj $(BENCH_B)/gen $(BENCH_B)/observe \
	    $(BENCH_B)/fibload $(BENCH_B)/mrtfeed $(BENCH_B)/nlfloor

-include $(wildcard $(BENCH_B)/obj/*/*.d)

# Standalone, bench-tools is the default; included, the includer's
# default stays (or is still to be chosen by its next target).
ifeq ($(notdir $(firstword $(MAKEFILE_LIST))),tools.mk)
.DEFAULT_GOAL := bench-tools
else
.DEFAULT_GOAL := $(BENCH_SAVED_GOAL)
endif
