# RouteCare — plain GNU make. `make` builds build/routecare; `make test` runs every
# suite (unit, e2e) normally and again under ASan+UBSan; `make run` serves demo data.

CC	?= cc
PKGS	 = libmicrohttpd sqlite3 libpq libsodium jansson icu-uc icu-i18n
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wvla
STD	 = -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
HARDEN	 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT	?= -O2 -g
CFLAGS_ALL = $(STD) $(WARN) $(OPT) $(HARDEN) -Isrc -Ibuild/gen $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = -pie -Wl,-z,relro,-z,now $(LDFLAGS)
LIBS	 = $(PKG_LIBS) -lm -lpthread

ASAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	     -fno-omit-frame-pointer -O1 -g -U_FORTIFY_SOURCE

SRC	 = $(wildcard src/base/*.c src/vault/*.c src/store/*.c src/domain/*.c \
	     src/app/*.c src/web/*.c src/cli/*.c)
CONFIG	 = $(wildcard config/forms/*.json config/lookups/*.json config/roles.json \
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

.PHONY: all deps run test unit e2e browser asan asan-test clean bench
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

# Real Chromium (Debian's) driven by playwright-core; screenshots in build/browser/.
browser: deps build/routecare
	@tests/browser/run build/routecare

asan-test: asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 scripts/run-unit $(AUNIT)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 tests/e2e/run build/asan/routecare

test: unit e2e browser asan-test
	@echo "make test: all suites passed"

run: all
	@scripts/run-demo

bench: all
	@bench/api.sh

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(AOBJ:.o=.d)
