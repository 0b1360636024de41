# ccontainer: a daemonless container toolchain in C.
#   make            build ./ccontainer
#   make test       unit tests, then integration tests (root)
#   make unit       unit tests only (no root needed)
#   make SANITIZE=1 build with ASan/UBSan into build-san/
#   make deps       install Debian build and test dependencies
#   make bench      side-by-side benchmarks against the peers
#   make fuzz       each fuzz target FUZZ_TIME seconds (libFuzzer, clang)

PREFIX ?= /usr/local
CC ?= cc
# libcurl, libarchive, libcrypto, libnftables, libseccomp, libmnl and libfyaml are
# dlopen()ed on first use (lib/util/dl.h), so `run` does not pay for loading
# them; only their headers are needed here.
LAZY_PKGS := libcurl libarchive libcrypto libnftables libseccomp libmnl libfyaml
# sqlite and jansson, which every command uses, are linked from the static
# archives their -dev packages ship: mapping and relocating libsqlite3.so
# alone costs ~0.4 ms at every start (bench/README: start-up), as much as a
# third of what `run` may spend beyond the floor.  A sqlite security update
# then needs a rebuild, as it does for podman, which embeds sqlite too.
# `make STATIC_PKGS=` links them dynamically.
STATIC_PKGS ?= sqlite3 jansson
PKGS := sqlite3 jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(LAZY_PKGS) 2>/dev/null)
DYN_PKGS := $(filter-out $(STATIC_PKGS),$(PKGS))
PKG_LIBS := $(if $(DYN_PKGS),$(shell pkg-config --libs $(DYN_PKGS) 2>/dev/null))
ifneq ($(strip $(STATIC_PKGS)),)
PKG_LIBS += -Wl,-Bstatic $(shell pkg-config --libs $(STATIC_PKGS) 2>/dev/null) -Wl,-Bdynamic -lm
endif
TEST_LIBS := $(shell pkg-config --libs libarchive 2>/dev/null) -lcmocka

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	-Wformat=2 -Wno-format-nonliteral -Wwrite-strings -fno-common
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) -MMD -MP
LDFLAGS += -Wl,--as-needed
LDLIBS += $(PKG_LIBS) -lpthread -ldl

ifeq ($(SANITIZE),1)
BUILD := build-san
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=address,undefined
else ifeq ($(FUZZ),1)
# The library as libFuzzer wants it: clang, coverage, ASan/UBSan (any
# undefined behaviour is a crash), into build-fuzz/.  `make fuzz` uses it.
BUILD := build-fuzz
CC := clang
CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=address,undefined
else
BUILD := build
endif

LIB_SRC := $(wildcard lib/*/*.c)
CMD_SRC := $(wildcard cmd/*.c)
UNIT_SRC := $(wildcard tests/unit/test-*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# tests/fuzz/fuzz-NAME.c: a libFuzzer harness each; replay-NAME is the same
# harness fed files by tests/fuzz/replay.c (any compiler), which `make unit`
# runs over tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME.
FUZZ_ALL := $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_REPLAY := $(FUZZ_ALL:%=$(BUILD)/fuzz/replay-%)
HELPER_BIN := $(BUILD)/tests/cc-test-helper

MONITOR_BIN := $(BUILD)/ccontainer-monitor
DNS_BIN := $(BUILD)/ccontainer-dns
INIT_BIN := $(BUILD)/ccontainer-init

ifeq ($(SANITIZE),1)
all: $(BUILD)/ccontainer $(MONITOR_BIN) $(DNS_BIN) $(UNIT_BIN) $(FUZZ_REPLAY)
else ifeq ($(FUZZ),1)
all: $(FUZZ_ALL:%=$(BUILD)/fuzz/fuzz-%)
else
all: ccontainer ccontainer-monitor ccontainer-dns $(UNIT_BIN) $(HELPER_BIN) $(FUZZ_REPLAY)
# cp + rename: a running ./ccontainer (ETXTBSY) does not stop the build
ccontainer: $(BUILD)/ccontainer
	@cp $< $@.tmp && mv -f $@.tmp $@
ccontainer-monitor: $(MONITOR_BIN)
	@cp $< $@.tmp && mv -f $@.tmp $@
ccontainer-dns: $(DNS_BIN)
	@cp $< $@.tmp && mv -f $@.tmp $@
endif

# The per-container supervisor: static, libc only, small resident size.
# Its restart decisions and log writer are lib/container's (plain libc).
MONITOR_SRC := cmd/monitor/ccontainer-monitor.c lib/container/restart.c lib/container/crilog.c
$(MONITOR_BIN): $(MONITOR_SRC) lib/container/monitor.h lib/container/container.h lib/container/crilog.h lib/util/error.h
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) -std=gnu11 -Os -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib -static -o $@ $(MONITOR_SRC)

# The embedded DNS server of user-defined networks (lib/network/dns.h):
# static, libc only, small resident size, like the monitor.  Under
# SANITIZE=1 it is built with the sanitizers instead (dynamic), so the unit
# test's queries exercise it under ASan/UBSan.
DNS_SRC := cmd/dns/ccontainer-dns.c lib/network/dns-proto.c
ifeq ($(SANITIZE),1)
DNS_LINK := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
else
DNS_LINK := -Os -static -ffunction-sections -fdata-sections -Wl,--gc-sections
endif
$(DNS_BIN): $(DNS_SRC) lib/network/dns-internal.h
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) -std=gnu11 $(WARN) -D_GNU_SOURCE -Ilib $(DNS_LINK) -o $@ $(DNS_SRC)

# The --init PID 1: static, libc only, embedded in ccontainer (init-blob.c),
# never installed as a file of its own.  No sanitizers: it runs in containers.
$(INIT_BIN): lib/runtime/init/ccontainer-init.c
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) -std=gnu11 -Os -Wall -Wextra -Werror -D_GNU_SOURCE -static -s -ffunction-sections \
		-fdata-sections -Wl,--gc-sections -o $@ $<
$(BUILD)/lib/runtime/init-blob.o: $(INIT_BIN)
$(BUILD)/lib/runtime/init-blob.o: CFLAGS += -DCC_INIT_BIN='"$(INIT_BIN)"'

$(BUILD)/libccontainer.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $^ # afresh: no member of a removed source survives

$(BUILD)/ccontainer: $(CMD_OBJ) $(BUILD)/libccontainer.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

# The seccomp cache names the built-in profile's programs by the sources
# that define and compile it (lib/runtime/seccomp-cache.c).
# It also names libseccomp by its file (whose identity changes with every
# upgrade), so that a cache hit does not have to load the library.
SECCOMP_ID_SRC := lib/runtime/seccomp.c lib/runtime/seccomp-default.c lib/runtime/security-internal.h
LIBSECCOMP_FILE := $(dir $(realpath $(shell $(CC) -print-file-name=libseccomp.so.2)))libseccomp.so.2
SECCOMP_ID_FLAG = -DCC_SC_SOURCE_ID='"$(shell cat $(SECCOMP_ID_SRC) | sha256sum | cut -c1-16)"' \
	-DCC_LIBSECCOMP_FILE='"$(LIBSECCOMP_FILE)"'
$(BUILD)/lib/runtime/seccomp-cache.o: $(SECCOMP_ID_SRC)
$(BUILD)/lib/runtime/seccomp-cache.o: CFLAGS += $(SECCOMP_ID_FLAG)

# Version stamping: only cmd/info.o gets the defines, so a new commit
# recompiles that one object.  Without git (a tarball) the commit is empty.
CC_VERSION ?= $(shell cat VERSION 2>/dev/null || git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)
CC_GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
CC_BUILD_DATE := $(shell date -u $(if $(SOURCE_DATE_EPOCH),-d @$(SOURCE_DATE_EPOCH)) +%Y-%m-%dT%H:%M:%SZ)
VERSION_STAMP := $(BUILD)/version-stamp
$(VERSION_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(CC_VERSION) $(CC_GIT_COMMIT)' | cmp -s - $@ || echo '$(CC_VERSION) $(CC_GIT_COMMIT)' > $@
$(BUILD)/cmd/info.o: $(VERSION_STAMP)
$(BUILD)/cmd/info.o: CFLAGS += -DCC_VERSION='"$(CC_VERSION)"' -DCC_GIT_COMMIT='"$(CC_GIT_COMMIT)"' \
	-DCC_BUILD_DATE='"$(CC_BUILD_DATE)"'
FORCE:
.PHONY: FORCE

$(BUILD)/tests/test-%: tests/unit/test-%.c $(BUILD)/libccontainer.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libccontainer.a $(LDLIBS) $(TEST_LIBS)

# test-options links the parser itself (cmd/options.o); the test stubs what
# options.c takes from cmd/main.c (the error helpers, cmd_root_verb).
$(BUILD)/tests/test-options: tests/unit/test-options.c $(BUILD)/cmd/options.o $(BUILD)/libccontainer.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/cmd/options.o $(BUILD)/libccontainer.a $(LDLIBS) $(TEST_LIBS)

.PRECIOUS: $(BUILD)/fuzz/%.o
$(BUILD)/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -Itests/fuzz -c -o $@ $<

$(BUILD)/fuzz/replay-%: $(BUILD)/fuzz/fuzz-%.o $(BUILD)/fuzz/replay.o $(BUILD)/libccontainer.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/fuzz-%: $(BUILD)/fuzz/fuzz-%.o $(BUILD)/libccontainer.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# A static multi-tool used as a container payload by the tests.
$(HELPER_BIN): tests/helper/cc-test-helper.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

unit: $(UNIT_BIN) $(FUZZ_REPLAY) $(DNS_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "# $$t"; $$t; done
	@set -e; for t in $(FUZZ_ALL); do echo "# $(BUILD)/fuzz/replay-$$t"; \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
		$(BUILD)/fuzz/replay-$$t tests/fuzz/corpus/$$t tests/fuzz/regress/$$t; done

# Fuzzing: every target (or FUZZ_TARGETS="tar ignore") for FUZZ_TIME
# seconds each, starting from its seeds; new inputs go to
# build-fuzz/corpus/NAME, crashes to build-fuzz/crashes/ (tests/fuzz/run.sh).
FUZZ_TIME ?= 60
FUZZ_TARGETS ?= $(FUZZ_ALL)
fuzz:
	@$(MAKE) --no-print-directory FUZZ=1 all
	@FUZZ_TIME=$(FUZZ_TIME) bash tests/fuzz/run.sh $(FUZZ_TARGETS)

# Each seed and regression input once through the libFuzzer build.
fuzz-regress:
	@$(MAKE) --no-print-directory FUZZ=1 all
	@FUZZ_TIME=0 bash tests/fuzz/run.sh $(FUZZ_TARGETS)

integration: all
	bats --tap tests/system

test: all unit integration

deps:
	bash tests/install-deps.sh

bench: all
	bash bench/run.sh

# Man pages and completion scripts, generated from the option tables.
man: $(BUILD)/man/.stamp
$(BUILD)/man/.stamp: $(BUILD)/ccontainer
	@rm -rf $(BUILD)/man && mkdir -p $(BUILD)/man
	@echo "  MAN     $(BUILD)/man"
	@$(BUILD)/ccontainer __man $(BUILD)/man && touch $@

install: ccontainer ccontainer-monitor ccontainer-dns man
	install -D -m 0755 ccontainer $(DESTDIR)$(PREFIX)/bin/ccontainer
	install -D -m 0755 ccontainer-monitor $(DESTDIR)$(PREFIX)/libexec/ccontainer/ccontainer-monitor
	install -D -m 0755 ccontainer-dns $(DESTDIR)$(PREFIX)/libexec/ccontainer/ccontainer-dns
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 $(BUILD)/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	./ccontainer completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ccontainer
	./ccontainer completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_ccontainer
	./ccontainer completion fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/ccontainer.fish

clean:
	rm -rf build build-san build-fuzz ccontainer ccontainer-monitor ccontainer-dns

.PHONY: all unit integration test deps bench install man clean fuzz fuzz-regress
-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(FUZZ_ALL:%=$(BUILD)/fuzz/fuzz-%.d) $(BUILD)/fuzz/replay.d

# clang refuses a goto that jumps over a variable with a cleanup attribute,
# which gcc accepts silently; CI runs this as a second compiler's opinion.
lint:
	@set -e; for f in $(LIB_SRC) $(CMD_SRC) cmd/dns/ccontainer-dns.c; do \
		clang -std=gnu11 -fsyntax-only -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) $(SECCOMP_ID_FLAG) -Wall -Wextra -Werror $$f; done
	@echo "lint: clean"
.PHONY: lint
