# Xinyu - build, test, install, run.
PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc
OPT     ?= -O2 -g
SAN     ?=
PKGS    := libpq libcurl jansson zlib libdeflate libcrypto xlsxwriter minizip expat libpcre2-8 libutf8proc

ifeq ($(SAN),1)
BUILD   := build-asan
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
endif

WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla
CPPFLAGS += -I. -I$(BUILD) -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS   += $(OPT) $(WARN) $(PKG_CFLAGS) -MMD -MP -pthread
LDLIBS   += $(PKG_LIBS) -lm -pthread
LDFLAGS  += $(filter -fsanitize%,$(OPT))

LIB_SRC  := $(sort $(wildcard common/*.c ingest/*.c transform/*.c report/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
SQL      := $(sort $(wildcard sql/schema/*.sql)) $(sort $(wildcard sql/functions/*.sql)) sql/schema/legacy.sha256
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/sql_embedded.o
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
GEN_SRC  := $(sort $(wildcard scripts/gen/*.c))

.PHONY: all deps test-deps run test unit bench fuzz fuzz-ci install clean format format-check db-stop

all: $(BUILD)/xinyu

$(BUILD)/.deps: scripts/deps.sh
	@mkdir -p $(BUILD)
	@scripts/deps.sh build
	@touch $@

$(BUILD)/.test-deps: scripts/deps.sh
	@mkdir -p $(BUILD)
	@scripts/deps.sh test
	@touch $@

deps: $(BUILD)/.deps
test-deps: $(BUILD)/.test-deps

$(BUILD)/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/embed: scripts/embed.c | $(BUILD)/.deps
	$(CC) -O1 -o $@ $<

$(BUILD)/sql_embedded.c: $(SQL) $(BUILD)/embed
	$(BUILD)/embed $(SQL) > $@

$(BUILD)/sql_embedded.o: $(BUILD)/sql_embedded.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libxinyu.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/xinyu: $(CLI_OBJ) $(BUILD)/libxinyu.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libxinyu.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libxinyu.a | $(BUILD)/.test-deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libxinyu.a $(LDFLAGS) $(LDLIBS) -lcmocka

$(BUILD)/xinyu-gen: $(GEN_SRC) $(BUILD)/libxinyu.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $(GEN_SRC) $(BUILD)/libxinyu.a $(LDFLAGS) $(LDLIBS)

unit: $(UNIT_BIN)

# The demo: embedded PostgreSQL under var/ unless a database is configured.
# (exit status 1 means "finished, some submissions rejected": the demo has such on purpose)
run: $(BUILD)/xinyu
	@rc=0; $(BUILD)/xinyu run --config config/xinyu.json || rc=$$?; \
	if [ $$rc -gt 1 ]; then exit $$rc; fi; \
	echo; echo "Reports are in out/. \"$(BUILD)/xinyu status\" lists the runs and every rejected demo submission with its reasons."

db-stop: $(BUILD)/xinyu
	$(BUILD)/xinyu db stop --config config/xinyu.json

test: $(BUILD)/xinyu $(BUILD)/xinyu-gen $(UNIT_BIN) | $(BUILD)/.test-deps
	BUILD=$(BUILD) tests/run.sh

# Speed against the machine's limits (N=10,000 and 200,000 schools; BENCH_SCHOOLS to change).
bench: $(BUILD)/xinyu $(BUILD)/xinyu-gen
	BUILD=$(BUILD) scripts/bench.sh

install: $(BUILD)/xinyu
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/xinyu/sql/schema $(DESTDIR)$(PREFIX)/share/xinyu/sql/functions $(DESTDIR)$(PREFIX)/share/xinyu/config
	install -m 0755 $(BUILD)/xinyu $(DESTDIR)$(PREFIX)/bin/xinyu
	install -m 0644 sql/schema/* $(DESTDIR)$(PREFIX)/share/xinyu/sql/schema/
	install -m 0644 sql/functions/*.sql $(DESTDIR)$(PREFIX)/share/xinyu/sql/functions/
	install -m 0644 config/xinyu.json $(DESTDIR)$(PREFIX)/share/xinyu/config/

FORMAT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

clean:
	rm -rf build build-asan

# libFuzzer harnesses: make fuzz (bounded time each), make fuzz-ci (short pass for CI)
-include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
