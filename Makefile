# bgpd: one Makefile, no autotools.  Objects live under $(B) (build/, or
# build/asan for the sanitizer variant that `make check` runs).
#
#   make            build build/bgpd
#   make check      every test layer that exists (see TESTING.md)
#   make deps       install the Debian packages the build and tests need
#   make install    PREFIX, DESTDIR: bgpd (stripped), bgpd(8), the unit
#   make uninstall  remove what install put there
#   make image      an OCI image for calico/node (packaging/image/)
#   make asan       sanitizer (ASan+UBSan) build of everything
#   make fuzz       libFuzzer on every decoder (FUZZ_TIME=secs each)

# `make` alone builds bgpd, whatever rule comes first below.
.DEFAULT_GOAL := all

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR	?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
DOCDIR	?= $(PREFIX)/share/doc/bgpd
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=

CC	?= cc
B	?= build
SAN	?= 0
FUZZ	?= 0
WERROR	?= 1
OPT	?= -O2 -g

PKGS	:= libevent libevent_openssl yaml-0.1 libmnl jansson libssl libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Linked: all but OpenSSL and libevent_openssl, which datastore/tlslib.c
# loads when the etcd datastore is used (it names the soname we build
# against).
LINK_PKGS := libevent yaml-0.1 libmnl jansson
EVSSL_SO := $(shell objdump -p "$$(pkg-config --variable=libdir \
	    libevent_openssl 2>/dev/null)/libevent_openssl.so" 2>/dev/null | \
	    awk '$$1 == "SONAME" { print $$2 }')
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

WARN	:= -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla \
	   -Wimplicit-fallthrough -Wundef
ifeq ($(WERROR),1)
WARN	+= -Werror
endif
ifeq ($(SAN),1)
OPT	:= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=all
LDSAN	:= -fsanitize=address,undefined
endif
# libFuzzer build (clang): coverage on every object, the fuzzer's main()
# only in the harness binaries.
ifeq ($(FUZZ),1)
OPT	:= -O1 -g -fno-omit-frame-pointer \
	   -fsanitize=fuzzer-no-link,address,undefined \
	   -fno-sanitize-recover=all
LDSAN	:= -fsanitize=fuzzer,address,undefined
endif

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -I. $(WARN) $(OPT) $(PKG_CFLAGS) \
	     -MMD -MP $(CFLAGS)
ALL_LDFLAGS = $(LDSAN) $(LDFLAGS)

FOLDERS	:= lib bgp fib config datastore bfd calico daemon
src_of	= $(sort $(wildcard $(1)/*.c))
obj_of	= $(patsubst %.c,$(B)/%.o,$(call src_of,$(1)))

LIB_A	:= $(B)/liblib.a
BGP_A	:= $(B)/libbgp.a
FIB_A	:= $(B)/libfib.a
CONFIG_A := $(B)/libconfig.a
DATASTORE_A := $(B)/libdatastore.a
BFD_A	:= $(B)/libbfd.a
CALICO_A := $(B)/libcalico.a
TESTUTIL_A := $(B)/libtestutil.a

# What a unit test of each folder may link: its folder, lib/ and the one
# third-party library the folder owns.  Anything more fails to link.
LINK_lib    := $(LIB_A)
LINK_bgp    := $(BGP_A) $(LIB_A)
LINK_fib    := $(FIB_A) $(LIB_A) -lmnl
LINK_config := $(CONFIG_A) $(LIB_A) -lyaml
# datastore/ decodes resources through config/; libevent and jansson
# are its own (OpenSSL and libevent's OpenSSL bufferevents it loads).
LINK_datastore := $(DATASTORE_A) $(CONFIG_A) $(LIB_A) -lyaml -ljansson \
	    -levent
# bfd/: lib/ and libc (its transport thread: -pthread).
LINK_bfd := $(BFD_A) $(LIB_A) -pthread
# calico/: Calico's route semantics over the plan and the bgp/ and fib/
# types (it calls bgp/ and config/, and only names fib/'s types).
LINK_calico := $(CALICO_A) $(CONFIG_A) $(BGP_A) $(LIB_A) -lyaml

DAEMON_OBJ := $(call obj_of,daemon)
# daemon/'s pure modules (libc and lib/ only), for their unit tests.
DAEMON_PURE_A := $(B)/libdaemonpure.a
$(DAEMON_PURE_A): $(B)/daemon/grwait.o $(B)/daemon/connix.o
LINK_daemon := $(DAEMON_PURE_A) $(LIB_A)
BGPD	:= $(B)/bgpd

UNIT_SRC := $(sort $(wildcard tests/unit/*/check_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
TESTUTIL_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard tests/unit/util/*.c))

.PHONY: all check unit golden integration asan deps install clean \
	uninstall packaging image image-test \
	golden-update layering demo unit-bins mutation fuzz conformance \
	replay-bins fuzz-bins cycles check-layers

all: $(BGPD)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

$(LIB_A): $(call obj_of,lib)
$(BGP_A): $(call obj_of,bgp)
$(FIB_A): $(call obj_of,fib)
$(CONFIG_A): $(call obj_of,config)
$(DATASTORE_A): $(call obj_of,datastore)
$(BFD_A): $(call obj_of,bfd)
$(CALICO_A): $(call obj_of,calico)
$(TESTUTIL_A): $(TESTUTIL_OBJ)
$(B)/lib%.a:
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BGPD): $(DAEMON_OBJ) $(CALICO_A) $(DATASTORE_A) $(CONFIG_A) $(FIB_A) \
    $(BGP_A) $(BFD_A) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $(DAEMON_OBJ) $(CALICO_A) $(DATASTORE_A) \
	    $(CONFIG_A) $(FIB_A) $(BGP_A) $(BFD_A) $(LIB_A) \
	    $(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null) -pthread

$(B)/datastore/tlslib.o: ALL_CFLAGS += \
	    $(if $(EVSSL_SO),-DTLSLIB_SONAME='"$(EVSSL_SO)"')

# tests/unit/<folder>/check_<module>.c -> $(B)/tests/<folder>/check_<module>
define unit_rule
$(B)/tests/$(1): $(B)/tests/unit/$(1).o $(TESTUTIL_A) \
    $(filter %.a,$(LINK_$(firstword $(subst /, ,$(1)))))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$< $(TESTUTIL_A) \
	    $(LINK_$(firstword $(subst /, ,$(1)))) $$(CHECK_LIBS)
endef
$(foreach t,$(patsubst tests/unit/%.c,%,$(UNIT_SRC)),\
    $(eval $(call unit_rule,$(t))))

# bfd/ on its own (tests/integration/bfdprobe.c): the transport tests
# and the BFD benchmark; built with the unit tests (`make asan`).
$(B)/tests/bfdprobe: $(B)/tests/integration/bfdprobe.o $(BFD_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LINK_bfd)

unit-bins: $(UNIT_BIN) $(B)/tests/bfdprobe

# tests/fuzz/fuzz_<name>.c: a libFuzzer harness (`make fuzz`), and with
# driver.c a replay binary that `make check` runs over the corpus.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ_LINK_config := $(LINK_config)
FUZZ_LINK_gw := $(LINK_datastore)
FUZZ_LINK_dsvalue := $(LINK_datastore)
FUZZ_LINK_bfd := $(LINK_bfd)
define fuzz_rule
$(B)/tests/fuzz/fuzz_$(1): $(B)/tests/fuzz/fuzz_$(1).o \
    $(filter %.a,$(or $(FUZZ_LINK_$(1)),$(LINK_bgp)))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$< \
	    $(or $(FUZZ_LINK_$(1)),$(LINK_bgp))
$(B)/tests/fuzz/replay_$(1): $(B)/tests/fuzz/fuzz_$(1).o \
    $(B)/tests/fuzz/driver.o \
    $(filter %.a,$(or $(FUZZ_LINK_$(1)),$(LINK_bgp)))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$< $(B)/tests/fuzz/driver.o \
	    $(or $(FUZZ_LINK_$(1)),$(LINK_bgp))
endef
$(foreach f,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(f))))
FUZZ_BIN := $(patsubst %,$(B)/tests/fuzz/fuzz_%,$(FUZZ_NAMES))
REPLAY_BIN := $(patsubst %,$(B)/tests/fuzz/replay_%,$(FUZZ_NAMES))

replay-bins: $(REPLAY_BIN)
fuzz-bins: $(FUZZ_BIN)

asan:
	$(MAKE) B=build/asan SAN=1 all unit-bins replay-bins

layering:
	sh tests/layering.sh

# No circle of files inside a folder (read from the objects: who calls
# whom), beside layering's rules between folders.
cycles: all
	python3 tests/cycles.py $(B)

unit: asan
	nice -n 10 sh tests/run-unit.sh build/asan/tests
	nice -n 10 sh tests/fuzz/replay.sh build/asan/tests/fuzz

# libFuzzer on every harness for FUZZ_TIME seconds each (default 60);
# new inputs go to build/fuzz/corpus, crashers to build/fuzz/crashes.
FUZZ_TIME ?= 60
fuzz:
	EXTRA_PKGS="clang libclang-rt-14-dev" sh tools/deps.sh
	$(MAKE) B=build/fuzz FUZZ=1 CC=clang fuzz-bins
	sh tests/fuzz/run.sh build/fuzz $(FUZZ_TIME)

golden: asan
	nice -n 10 sh tests/golden.sh build/asan/bgpd

# Calico's own confd golden tests (tests/conformance/confd.py), from
# ../shared/calico-confd beside the project (CONFD_DIR elsewhere).
CONFD_DIR ?= ../shared/calico-confd
conformance: asan
	@if [ -f "$(CONFD_DIR)/cases.json" ]; then \
		nice -n 10 python3 tests/conformance/confd.py build/asan/bgpd \
		    --confd "$(CONFD_DIR)"; \
	else \
		echo "conformance: SKIPPED: no $(CONFD_DIR)/cases.json" \
		    "(set CONFD_DIR)"; \
	fi

golden-update: all
	sh tests/golden.sh $(BGPD) --update

# Namespaces and real peers; needs root (skipped, with a reason, if not).
integration: asan all bench-tools
	sh tests/integration/run.sh

# The layers after the build run side by side (output whole per layer,
# as each ends): the integration tests spend most of their time waiting
# on timers, the others on the CPU, niced so that the daemons under
# test (BFD at 100 ms) are never the ones kept waiting.
check: deps layering cycles
	@$(MAKE) --no-print-directory -j4 --output-sync=target check-layers
	@echo "make check: all layers passed"

check-layers: unit golden conformance packaging image-test integration

# Three bgpd nodes and their pods in network namespaces (README.md).
demo: deps all
	sh tools/demo.sh

deps:
	sh tools/deps.sh

# Break each plan rule in turn; the golden tests must catch every one.
mutation:
	python3 tools/mutate-plan.py

# Benchmarks against BIRD 2, FRR and GoBGP (bench/run.sh, issue 6):
# root, network namespaces, minutes to an hour; never part of `make
# check`.  `bench` regenerates bench/RESULTS.md; `bench-quick` is a
# subset in under 5 minutes (build/bench/RESULTS-quick.md).  Raw results
# go to build/bench/results/.  The tools: bench/tools.mk.
-include bench/tools.mk
.PHONY: bench bench-quick bench-deps bench-etcd soak bench-bfd

bench-deps: deps
	EXTRA_PKGS="bird2 frr gobgpd util-linux valgrind" sh tools/deps.sh

bench: deps bench-deps all bench-tools
	sh bench/run.sh

bench-quick: deps bench-deps all bench-tools
	sh bench/run.sh --quick

# The etcd datastore (issue 12): sync and memory at 1,000 Nodes, etcd put
# to kernel route; under a minute.  Figures: bench/ETCD.md.
bench-etcd: deps all bench-tools
	sh bench/etcd.sh

# BFD (issue 20): detection time over 20 silent cuts and the CPU of 50
# sessions at 100 ms x 3, bgpd and BIRD 2 against FRR's bfdd; about 10
# minutes.  Figures: bench/BFD.md.
bench-bfd: deps bench-deps all bench-tools
	sh bench/bfd.sh

# Sessions that stay up in real time (issue 11): a 3-node mesh with pods,
# a BIRD and an FRR ToR, default timers, SOAK_S seconds (default 1800);
# writes bench/SOAK.md and its section of bench/RESULTS.md.
soak: deps bench-deps all
	sh bench/soak.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/bgpd $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(MANDIR)/man8
	install -s -m 0755 $(BGPD) $(DESTDIR)$(SBINDIR)/bgpd
	install -m 0644 doc/bgpd.8 $(DESTDIR)$(MANDIR)/man8/bgpd.8
	install -m 0644 README.md LICENSE $(DESTDIR)$(DOCDIR)/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	    systemd/bgpd.service \
	    > $(DESTDIR)$(UNITDIR)/bgpd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/bgpd.service
	install -m 0644 systemd/bgpd.yaml.example \
	    $(DESTDIR)$(SYSCONFDIR)/bgpd/bgpd.yaml.example
	install -d $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 systemd/bgpd.sysusers $(DESTDIR)$(SYSUSERSDIR)/bgpd.conf
	install -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/bgpd/secrets
	@# On the live system: the bgpd user and group now, and the secrets
	@# readable by the group (a package does this in its postinst).
	if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; \
	then \
		systemd-sysusers $(SYSUSERSDIR)/bgpd.conf && \
		chgrp bgpd $(SYSCONFDIR)/bgpd/secrets; \
	fi

# Everything install wrote except the configuration directory's own
# files an operator may have added.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/bgpd $(DESTDIR)$(MANDIR)/man8/bgpd.8 \
	    $(DESTDIR)$(UNITDIR)/bgpd.service \
	    $(DESTDIR)$(SYSCONFDIR)/bgpd/bgpd.yaml.example \
	    $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/LICENSE \
	    $(DESTDIR)$(SYSUSERSDIR)/bgpd.conf
	-rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/bgpd/secrets \
	    $(DESTDIR)$(SYSCONFDIR)/bgpd 2>/dev/null

# The OCI image (packaging/image/build.sh) and its test: podman runs it
# in a lab namespace against BIRD (tests/image/t_image.sh).  The heavy
# packages come in through deps' EXTRA_PKGS, for these targets only.
IMAGE_PKGS := mmdebstrap podman buildah runc uidmap binutils
IMAGE	:= $(B)/image/bgpd-oci.tar

image: deps all
	EXTRA_PKGS="$(IMAGE_PKGS)" sh tools/deps.sh
	sh packaging/image/build.sh $(BGPD) $(B)/image

image-test: image
	@start=$$(date +%s); \
	if BGPD=$(CURDIR)/$(BGPD) sh tests/image/t_image.sh \
	    $(CURDIR)/$(IMAGE); then \
		echo "image: 1 passed, 0 failed ($$(($$(date +%s) - \
		    start))s)"; \
	else echo "image: 0 passed, 1 failed"; exit 1; fi

# install/uninstall into a scratch DESTDIR, the man page, --help.
packaging: all
	sh tests/packaging.sh

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' -type f 2>/dev/null)
