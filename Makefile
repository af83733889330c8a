# RouteCare — plain GNU make. `make` builds build/routecare; `make test` runs every
# suite (unit, e2e) normally and again under ASan+UBSan; `make run` serves demo data.

CC	?= cc
PKGS	 = libmicrohttpd sqlite3 libpq libsodium jansson icu-uc icu-i18n xlsxwriter libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wvla
STD	 = -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
HARDEN	 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT	?= -O2 -g
CFLAGS_ALL = $(STD) $(WARN) $(OPT) $(HARDEN) -Isrc -Ibuild/gen $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = -pie -Wl,-z,relro,-z,now $(LDFLAGS)
LIBS	 = $(PKG_LIBS) -lhpdf -lm -lpthread

ASAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	     -fno-omit-frame-pointer -O1 -g -U_FORTIFY_SOURCE

SRC	 = $(wildcard src/base/*.c src/vault/*.c src/store/*.c src/domain/*.c \
	     src/app/*.c src/web/*.c src/cli/*.c)
CONFIG	 = $(wildcard config/forms/*.json config/lookups/*.json config/roles.json \
	     config/workflow.json config/match.json config/reports.json \
	     config/locations/*.csv)
STATIC	 = $(wildcard web/static/*)
PO	 = $(wildcard po/*.po)
MO	 = $(PO:po/%.po=build/gen/po/%.mo)
UNIT_SRC = $(wildcard tests/unit/test_*.c)

OBJ	 = $(SRC:src/%.c=build/obj/%.o) build/obj/gen/embedded.o
AOBJ	 = $(SRC:src/%.c=build/asan/obj/%.o) build/asan/obj/gen/embedded.o
UNIT	 = $(UNIT_SRC:tests/unit/%.c=build/tests/%)
AUNIT	 = $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)

VERSION	:= $(shell cat VERSION 2>/dev/null || echo 0.0.0)

.PHONY: all deps run test unit e2e e2e-pg unit-pg browser asan asan-test clean bench
all: deps build/routecare

deps:
	@scripts/install-deps >/dev/null

# Build tools run on the build machine, without sanitizers.
build/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) -O2 -o $@ $<

# Catalogs are checked by msgfmt and compiled to .mo, which the binary embeds.
build/gen/po/%.mo: po/%.po
	@mkdir -p $(@D)
	@msgfmt --check --output-file=$@ $<

build/gen/embedded.c: build/tools/embed $(CONFIG) $(STATIC) $(MO)
	@mkdir -p $(@D)
	@build/tools/embed $(CONFIG) $(STATIC) $(foreach m,$(MO),po/$(notdir $(m))=$(m)) \
	    > $@.tmp && mv $@.tmp $@

build/obj/gen/embedded.o: build/gen/embedded.c
	@mkdir -p $(@D)
	$(CC) $(STD) -O2 -Isrc -c -o $@ $<

build/asan/obj/gen/embedded.o: build/gen/embedded.c
	@mkdir -p $(@D)
	$(CC) $(STD) -O1 -Isrc -c -o $@ $<

build/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -DROUTECARE_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<

build/asan/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC asan $<"
	@$(CC) $(CFLAGS_ALL) $(ASAN_FLAGS) -DROUTECARE_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<

build/routecare: $(OBJ) build/obj/main.o
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

build/asan/routecare: $(AOBJ) build/asan/obj/main.o
	$(CC) $(LDFLAGS_ALL) -fsanitize=address,undefined -o $@ $^ $(LIBS)

build/tests/%: tests/unit/%.c $(OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $^ $(LDFLAGS_ALL) $(LIBS) -lcmocka

build/asan/tests/%: tests/unit/%.c $(AOBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(ASAN_FLAGS) -Itests/unit -o $@ $^ $(LDFLAGS_ALL) \
	    -fsanitize=address,undefined $(LIBS) -lcmocka

asan: deps build/asan/routecare $(AUNIT)

unit: deps $(UNIT)
	@scripts/run-unit $(UNIT)

e2e: deps build/routecare
	@tests/e2e/run build/routecare

# The same suites on a real PostgreSQL server started as an unprivileged user in a
# temporary directory (scripts/pg-test-server), one database per data directory.
e2e-pg: deps build/routecare
	@tests/e2e/run --pg build/routecare

unit-pg: deps build/tests/test_store
	@d=$$(mktemp -u -d /tmp/rc-unit-pg-XXXXXX); \
	 url=$$(scripts/pg-test-server start $$d) || exit 1; \
	 ROUTECARE_TEST_DB_URL=$$url build/tests/test_store >build/tests/test_store.pg.log 2>&1; \
	 rc=$$?; scripts/pg-test-server stop $$d; \
	 if [ $$rc -ne 0 ]; then cat build/tests/test_store.pg.log; echo "unit-pg: FAILED"; \
	 else echo "unit-pg: ok build/tests/test_store on PostgreSQL"; fi; exit $$rc

# Real Chromium (Debian's) driven by playwright-core; screenshots in build/browser/.
browser: deps build/routecare
	@tests/browser/run build/routecare

asan-test: asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 scripts/run-unit $(AUNIT)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 tests/e2e/run build/asan/routecare

# make test runs every fuzz target briefly; make fuzz FUZZ_SECONDS=300 for real runs
test: unit unit-pg e2e e2e-pg browser asan-test
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5
	@echo "make test: all suites passed"

run: all
	@scripts/run-demo

bench: all
	@bench/run.sh

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(AOBJ:.o=.d)

# libFuzzer targets (clang): make fuzz FUZZ_SECONDS=N runs each for N seconds
FUZZ_SECONDS ?= 10
# Each target runs FUZZ_SECONDS on build/fuzz/corpus/NAME (seeded from
# tests/fuzz/corpus/NAME, kept between runs), after replaying tests/fuzz/crashers/NAME-*.
# Any crash, leak, timeout or sanitizer report fails; its input is left in
# build/fuzz/artifacts/ and the log in build/fuzz/NAME.log.
FUZZ_CC	   ?= clang
FUZZ_NAMES  = json form formdef names locations http_form pages_form policy mo package
FUZZ_SAN    = -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer
FUZZ_CFLAGS = $(STD) $(WARN) -O1 -g $(FUZZ_SAN) -Isrc -Ibuild/gen $(PKG_CFLAGS)
FUZZ_RUN    = -max_total_time=$(FUZZ_SECONDS) -timeout=25 -rss_limit_mb=2048 \
	      -print_final_stats=1
FOBJ	    = $(SRC:src/%.c=build/fuzz/obj/%.o) build/fuzz/obj/gen/embedded.o
FUZZ_BIN    = $(FUZZ_NAMES:%=build/fuzz/fuzz_%)

.PHONY: fuzz fuzz-build
fuzz-build: deps $(FOBJ) $(FUZZ_BIN)

build/fuzz/obj/gen/embedded.o: build/gen/embedded.c
	@mkdir -p $(@D)
	@$(FUZZ_CC) $(STD) -O1 -Isrc -c -o $@ $<

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC fuzz $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	    -DROUTECARE_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<

# i18n reads catalogs only from the embedded files: fuzz_mo compiles i18n.c itself.
build/fuzz/fuzz_mo: tests/fuzz/fuzz_mo.c $(filter-out build/fuzz/obj/web/i18n.o,$(FOBJ))
	@mkdir -p $(@D)
	@echo "  LD fuzz $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< \
	    $(filter %.o,$^) $(LIBS)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FOBJ)
	@mkdir -p $(@D)
	@echo "  LD fuzz $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< \
	    $(filter %.o,$^) $(LIBS)

fuzz: fuzz-build
	@failed=""; \
	for n in $(FUZZ_NAMES); do \
		mkdir -p build/fuzz/corpus/$$n build/fuzz/artifacts; \
		cp -p tests/fuzz/corpus/$$n/* build/fuzz/corpus/$$n/; \
		crashers=$$(ls tests/fuzz/crashers/$$n-* 2>/dev/null || true); \
		dict=$$(test -f tests/fuzz/$$n.dict && echo -dict=tests/fuzz/$$n.dict); \
		: >build/fuzz/$$n.log; \
		if { test -z "$$crashers" || \
		     build/fuzz/fuzz_$$n -artifact_prefix=build/fuzz/artifacts/$$n- \
		       $$crashers >>build/fuzz/$$n.log 2>&1; } && \
		   ASAN_OPTIONS=detect_leaks=1 \
		   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		   build/fuzz/fuzz_$$n $(FUZZ_RUN) $$dict \
		     -artifact_prefix=build/fuzz/artifacts/$$n- \
		     build/fuzz/corpus/$$n >>build/fuzz/$$n.log 2>&1; then \
			printf '  fuzz %-10s ok  %s\n' $$n \
			    "$$(grep -o 'stat::average_exec_per_sec: *[0-9]*' \
			    build/fuzz/$$n.log | tail -n 1 | grep -o '[0-9]*$$') exec/s"; \
		else \
			tail -n 60 build/fuzz/$$n.log; \
			printf '  fuzz %-10s FAILED (build/fuzz/%s.log)\n' $$n $$n; \
			failed="$$failed $$n"; \
		fi; \
	done; \
	test -z "$$failed" || { echo "make fuzz: failed:$$failed"; exit 1; }; \
	echo "make fuzz: all targets ran $(FUZZ_SECONDS)s without a finding"

-include $(FOBJ:.o=.d) $(FUZZ_BIN:=.d)
