# nsconform: top-level build.  `make help` lists the targets.
#
# Everything is built under $(O) (default build/); `make asan` uses build/asan.
# Binaries: $(O)/bin/nsrt.  The rootfs fixture: build/rootfs (shared by all builds).

O ?= build
# V=1 shows the commands
Q := $(if $(V),,@)
CC ?= gcc
PKGS := jansson libseccomp
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-truncation -Wno-unused-parameter -Wmissing-prototypes
OPT ?= -O2 -g
SANITIZE ?=
CFLAGS ?= $(OPT)
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -fno-strict-aliasing $(WARN) $(CFLAGS) $(SANITIZE) \
	-Iruntime-core/src -Iharness/src $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANITIZE)

CORE_SRC := $(wildcard runtime-core/src/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(O)/obj/%.o)
CLI_SRC := $(wildcard runtime-core/cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(O)/obj/%.o)
LIB := $(O)/lib/libnsrt.a
NSRT := $(O)/bin/nsrt

# The library holds the supervisor's parts too (not nsc-inject's main): the
# harness supervises black-box cases itself (harness/src/blackbox_sup.c).
HARNESS_SRC := $(wildcard harness/src/*.c) \
	$(filter-out harness/inject/main.c,$(wildcard harness/inject/*.c))
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(O)/obj/%.o)
HARNESS_CLI_SRC := $(wildcard harness/cli/*.c)
HARNESS_CLI_OBJ := $(HARNESS_CLI_SRC:%.c=$(O)/obj/%.o)
HLIB := $(O)/lib/libnsconform.a
NSCONFORM := $(O)/bin/nsconform
NSPROBE_SRC := $(wildcard harness/nsprobe/*.c)
NSPROBE := $(if $(NSPROBE_SRC),$(O)/bin/nsprobe)
# nsrt-bugs: nsrt built with -DNSRT_KNOWN_BUGS, where NSRT_BUGS=name,... turns
# on deliberate defects (runtime-core/src/bugs.h) that the known-bug catalog
# (fixtures/known-bugs/) replays.  The plain nsrt has none of that code.
NSRT_BUGS_BIN := $(O)/bin/nsrt-bugs
BUGS_OBJ := $(CORE_SRC:%.c=$(O)/obj-bugs/%.o) $(CLI_SRC:%.c=$(O)/obj-bugs/%.o)
# nsc-inject: the seccomp user-notification supervisor of black-box faults.
INJECT_SRC := $(wildcard harness/inject/*.c)
INJECT := $(if $(INJECT_SRC),$(O)/bin/nsc-inject)
BINS := $(NSRT) $(if $(HARNESS_CLI_SRC),$(NSCONFORM)) $(NSPROBE) $(NSRT_BUGS_BIN) $(INJECT)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
INTEG_SRC := $(wildcard tests/integration/test_*.c)
INTEG_COMMON := $(wildcard tests/integration/common/*.c)
INTEG_BIN := $(INTEG_SRC:tests/integration/%.c=$(O)/tests/integration/%)
# Helper programs of the integration tests (a deliberately broken runtime...).
TOOL_SRC := $(wildcard tests/integration/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/integration/tools/%.c=$(O)/tests/tools/%)
TEST_LIBS := -lcriterion
WHOLE_HLIB = -Wl,--whole-archive $(HLIB) -Wl,--no-whole-archive

ROOTFS := build/rootfs
# Criterion runs each test in its own process; keep the job count modest on 2 cores.
CRITERION_FLAGS ?= --jobs 2
# Integration tests find the binaries and the rootfs through these.
TEST_ENV := NSRT_BIN=$(abspath $(NSRT)) NSRT_BUGS_BIN=$(abspath $(NSRT_BUGS_BIN)) NSC_INJECT_BIN=$(abspath $(O)/bin/nsc-inject) NSCONFORM_BIN=$(abspath $(NSCONFORM)) NSC_TOOLS=$(abspath $(O)/tests/tools) NSRT_ROOTFS=$(abspath $(ROOTFS)) NSRT_SRCDIR=$(CURDIR)

.PHONY: all help rootfs test unit integration valgrind asan format format-check conformance \
	faults bench clean deps

all: $(BINS)

help:
	@echo 'make              build $(NSRT)'
	@echo 'make rootfs       build the busybox rootfs fixture in $(ROOTFS)'
	@echo 'make test         unit + integration tests (integration needs root)'
	@echo 'make unit         criterion unit tests'
	@echo 'make integration  tests that run real containers'
	@echo 'make valgrind     unit tests under memcheck'
	@echo 'make asan         build with ASan/UBSan in build/asan and run the tests'
	@echo 'make conformance  build everything and run the conformance job (reports/latest/)'
	@echo 'make faults       the fault sweep against nsrt (reports/faults/)'
	@echo 'make bench        scripts/bench.sh'
	@echo 'make format       clang-format the C sources'

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	@echo '  AR      $@'
	$(Q)rm -f $@ && ar rcs $@ $^

$(NSRT): $(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(PKG_LIBS)

$(O)/obj-bugs/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC      $< (known bugs)'
	$(Q)$(CC) $(ALL_CFLAGS) -DNSRT_KNOWN_BUGS -c -o $@ $<

$(NSRT_BUGS_BIN): $(BUGS_OBJ)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(BUGS_OBJ) $(PKG_LIBS)

# Static when not sanitized: it starts once per wrapped runtime command, and
# loading two shared libraries is most of its own start-up cost.
$(O)/bin/nsc-inject: $(INJECT_SRC) $(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(if $(SANITIZE),,-static) -o $@ $(INJECT_SRC) $(LIB) \
		$(PKG_LIBS)

$(HLIB): $(HARNESS_OBJ)
	@mkdir -p $(dir $@)
	@echo '  AR      $@'
	$(Q)rm -f $@ && ar rcs $@ $^

$(NSCONFORM): $(HARNESS_CLI_OBJ) $(HLIB) $(LIB)
	@mkdir -p $(dir $@)
	@echo '  LD      $@'
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(HARNESS_CLI_OBJ) $(HLIB) $(LIB) $(PKG_LIBS)

# nsprobe runs inside containers of any rootfs: static, libc only, and never
# sanitized (the sanitizer runtimes cannot link statically).
$(O)/bin/nsprobe: $(NSPROBE_SRC)
	@mkdir -p $(dir $@)
	@echo '  LD      $@ (static)'
	$(Q)$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) -O2 -static -o $@ $(NSPROBE_SRC)

# test_catalog links every harness object, so it sees every REQ() id the code checks.
$(O)/tests/unit/%: tests/unit/%.c $(HLIB) $(LIB)
	@mkdir -p $(dir $@)
	@echo '  TEST    $@'
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(ALL_LDFLAGS) -o $@ $< $(if $(filter test_catalog,$(notdir $@)),$(WHOLE_HLIB),$(HLIB)) $(LIB) $(PKG_LIBS) $(TEST_LIBS)

# Integration tests may drive the harness library too (test_stages runs its cases).
$(O)/tests/integration/%: tests/integration/%.c $(INTEG_COMMON) $(HLIB) $(LIB)
	@mkdir -p $(dir $@)
	@echo '  TEST    $@'
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -Itests/integration/common $(ALL_LDFLAGS) \
		-o $@ $< $(INTEG_COMMON) $(HLIB) $(LIB) $(PKG_LIBS) $(TEST_LIBS)

# The tools are never sanitized: the fork/clone counter of the black-box tests
# must make exactly the calls it is told to (the sanitizers' runtimes clone).
$(O)/tests/tools/%: tests/integration/tools/%.c
	@mkdir -p $(dir $@)
	@echo '  TOOL    $@'
	$(Q)$(CC) $(filter-out $(SANITIZE),$(ALL_CFLAGS)) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< \
		$(PKG_LIBS)

rootfs: $(ROOTFS)/.built $(if $(NSPROBE),$(ROOTFS)/nsprobe)

$(ROOTFS)/nsprobe: $(NSPROBE) $(ROOTFS)/.built
	install -m 0755 $(NSPROBE) $@

$(ROOTFS)/.built: fixtures/rootfs/build.sh
	fixtures/rootfs/build.sh $(ROOTFS)

unit: $(UNIT_BIN) $(NSPROBE)
	@NSPROBE_BIN=$(abspath $(NSPROBE)) scripts/run-tests.sh unit $(CRITERION_FLAGS) -- $(UNIT_BIN)

integration: $(BINS) rootfs $(INTEG_BIN) $(TOOL_BIN)
	@$(TEST_ENV) scripts/run-tests.sh integration $(CRITERION_FLAGS) -- $(INTEG_BIN)

test: all rootfs
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration

valgrind: $(UNIT_BIN) $(NSPROBE)
	@VALGRIND=1 NSPROBE_BIN=$(abspath $(NSPROBE)) scripts/run-tests.sh valgrind --jobs 1 -- $(UNIT_BIN)

# One test at a time: sanitized binaries run two to three times slower, and
# two sanitized suites side by side on two cores stretch the harness's
# bounded waits towards their limits.
asan:
	@$(MAKE) --no-print-directory O=build/asan OPT='-O1 -g -fno-omit-frame-pointer' \
		SANITIZE='-fsanitize=address,undefined -fno-sanitize-recover=all' \
		CRITERION_FLAGS='--jobs 1' test

format:
	clang-format -i $(CORE_SRC) $(wildcard runtime-core/src/*.h) $(CLI_SRC) $(HARNESS_SRC) \
		$(wildcard harness/src/*.h) $(HARNESS_CLI_SRC) $(NSPROBE_SRC) $(UNIT_SRC) $(INTEG_SRC) \
		$(INTEG_COMMON) $(wildcard tests/integration/common/*.h) $(TOOL_SRC)

# The main job: the conformance suite against RUNTIME (nsrt by default; runc,
# crun or a path), writing reports/latest/.  crun 1.8.1 refuses hybrid cgroup
# hosts, so it runs isolated (a private mount namespace without the cgroup2
# mount; the report says so).  Exit status 1 when a MUST fails.
RUNTIME ?= nsrt
CONFORMANCE_COUNT ?= 300
CONFORMANCE_SEED ?= 0
conformance: all rootfs
	@$(NSCONFORM) run --runtime $(if $(filter nsrt,$(RUNTIME)),$(abspath $(NSRT)),$(RUNTIME)) \
		$(if $(filter crun,$(notdir $(RUNTIME))),--isolate) --seed $(CONFORMANCE_SEED) \
		--count $(CONFORMANCE_COUNT) --out reports/latest

# The fault sweep against RUNTIME (nsrt: white box, every failpoint x every
# action that applies, then the stage cases), writing reports/faults/.
# Exit status 1 when a MUST fails.
faults: all rootfs
	@$(NSCONFORM) faults --runtime $(if $(filter nsrt,$(RUNTIME)),$(abspath $(NSRT)),$(RUNTIME)) \
		$(if $(filter crun,$(notdir $(RUNTIME))),--isolate) --out reports/faults

bench: all rootfs
	@scripts/bench.sh

deps:
	scripts/deps.sh

clean:
	rm -rf build

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(BUGS_OBJ:.o=.d) $(HARNESS_OBJ:.o=.d) $(HARNESS_CLI_OBJ:.o=.d)
