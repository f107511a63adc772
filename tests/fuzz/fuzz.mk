# fuzz.mk - libFuzzer harnesses of tests/fuzz (included by the Makefile).
#
#   make fuzz                       every harness for FUZZ_SECONDS (default 60) each
#   make fuzz-ci                    every harness for FUZZ_CI_SECONDS (default 20) each
#   make fuzz-validate ...          one harness (validate, period, registry, gzip, xlsx, extract,
#                                   workbook)
#   make fuzz-build                 only build build-fuzz/fuzz_*
#
# The project's sources are compiled straight into each harness with clang's fuzzer,
# address and undefined-behaviour sanitizers, never through the gcc-built library.
# The harnesses run side by side; a target fails when any harness found a crash, a leak,
# a broken invariant or a timeout. Reproducers land in build-fuzz/crash-HARNESS-*.

FUZZ_BUILD      ?= build-fuzz
FUZZ_CC         ?= clang
FUZZ_SECONDS    ?= 60
FUZZ_CI_SECONDS ?= 20
FUZZ_TIMEOUT    ?= 10
# FUZZ_DB_LIMITS=1 also demands that a loadable submission fits the database's columns
FUZZ_DB_LIMITS  ?=
FUZZ_HARNESSES  := validate period registry gzip xlsx extract workbook

FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla \
               -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all -I. -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
               $(if $(FUZZ_DB_LIMITS),-DFUZZ_DB_LIMITS) \
               $(shell pkg-config --cflags jansson zlib libcrypto minizip expat libpcre2-8 libutf8proc 2>/dev/null)
FUZZ_HEADERS := $(wildcard common/*.h transform/*.h ingest/*.h tests/fuzz/*.h)

# common/buf.c and common/util.c are plain helpers every module may use
FUZZ_COMMON := common/buf.c common/util.c
FUZZ_SRC_validate := transform/xform_validate.c transform/xform_fields.c transform/xform_arena.c \
                     transform/xform_messages.c transform/xform_labels.c \
                     transform/xform_period_text.c common/period.c \
                     transform/xform_registry.c $(FUZZ_COMMON)
FUZZ_LIBS_validate := -ljansson -lcrypto -lm
FUZZ_SRC_period   := common/period.c $(FUZZ_COMMON)
FUZZ_LIBS_period  := -lcrypto
FUZZ_SRC_registry := transform/xform_registry.c $(FUZZ_COMMON)
FUZZ_LIBS_registry := -lcrypto
FUZZ_SRC_gzip     := ingest/ingest_gzip.c ingest/ingest_item.c ingest/ingest_spool.c $(FUZZ_COMMON)
FUZZ_LIBS_gzip    := -lz -lcrypto
FUZZ_SRC_xlsx     := transform/xform_xlsx.c ingest/ingest_zip.c $(FUZZ_COMMON)
FUZZ_LIBS_xlsx    := -lminizip -lexpat -lz -lcrypto
FUZZ_SRC_extract  := $(wildcard transform/xform_extract*.c) transform/xform_numeral.c \
                     transform/xform_docx.c ingest/ingest_zip.c $(FUZZ_COMMON)
FUZZ_LIBS_extract := -lpcre2-8 -lutf8proc -ljansson -lminizip -lexpat -lz -lcrypto -lpthread
FUZZ_SRC_workbook := transform/xform_workbook.c transform/xform_fields_zh.c \
                     transform/xform_xlsx.c ingest/ingest_zip.c $(FUZZ_SRC_validate)
FUZZ_LIBS_workbook := -ljansson -lminizip -lexpat -lz -lcrypto -lm

# Longest input tried: a submission or a registry of a few dozen kilobytes says all there
# is to say; gzip is kept shorter because 32 KiB can already inflate to 32 MiB.
FUZZ_MAXLEN_validate := 65536
FUZZ_MAXLEN_period   := 256
FUZZ_MAXLEN_registry := 65536
FUZZ_MAXLEN_gzip     := 32768
FUZZ_MAXLEN_xlsx     := 65536
FUZZ_MAXLEN_extract  := 65536
FUZZ_MAXLEN_workbook := 65536

FUZZ_BINS := $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-ci fuzz-build fuzz-seeds $(FUZZ_HARNESSES:%=fuzz-%)

define FUZZ_BUILD_RULE
$(FUZZ_BUILD)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRC_$(1)) $(FUZZ_HEADERS) tests/fuzz/fuzz.mk
	@mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ tests/fuzz/fuzz_$(1).c $(FUZZ_SRC_$(1)) $(FUZZ_LIBS_$(1))
endef
$(foreach h,$(FUZZ_HARNESSES),$(eval $(call FUZZ_BUILD_RULE,$(h))))

fuzz-build: $(FUZZ_BINS)

# Seeds, made afresh on every run from the corpus of bad inputs and the spec's examples.
fuzz-seeds:
	@rm -rf $(FUZZ_BUILD)/seeds-validate $(FUZZ_BUILD)/seeds-period \
	    $(FUZZ_BUILD)/seeds-registry $(FUZZ_BUILD)/seeds-gzip $(FUZZ_BUILD)/seeds-xlsx \
	    $(FUZZ_BUILD)/seeds-extract $(FUZZ_BUILD)/seeds-workbook
	@mkdir -p $(FUZZ_BUILD)/seeds-validate $(FUZZ_BUILD)/seeds-period \
	    $(FUZZ_BUILD)/seeds-registry $(FUZZ_BUILD)/seeds-gzip $(FUZZ_BUILD)/seeds-xlsx \
	    $(FUZZ_BUILD)/seeds-extract $(FUZZ_BUILD)/seeds-workbook
	@for f in tests/extract/*.txt tests/fixtures/extract/*.txt tests/fixtures/extract/*.docx; do \
	    [ -f "$$f" ] && [ $$(stat -c %s "$$f") -le $(FUZZ_MAXLEN_extract) ] || continue; \
	    cp "$$f" "$(FUZZ_BUILD)/seeds-extract/$$(basename "$$f")"; \
	done
	@for f in tests/extract/01*.txt; do \
	    iconv -f UTF-8 -t GB18030 "$$f" >"$(FUZZ_BUILD)/seeds-extract/gb-$$(basename "$$f")"; \
	done
	@for f in tests/fixtures/xlsx/*.xls*; do \
	    [ -f "$$f" ] && [ $$(stat -c %s "$$f") -le $(FUZZ_MAXLEN_xlsx) ] || continue; \
	    cp "$$f" "$(FUZZ_BUILD)/seeds-xlsx/$$(basename "$$f")"; \
	done
	@for f in tests/fixtures/xlsx/*.xls* config/demo/spool/workbooks/*.xlsx; do \
	    [ -f "$$f" ] && [ $$(stat -c %s "$$f") -le $(FUZZ_MAXLEN_workbook) ] || continue; \
	    cp "$$f" "$(FUZZ_BUILD)/seeds-workbook/$$(basename "$$f")"; \
	done
	@for f in tests/corpus/*/input.json tests/corpus/*/input.jsonl tests/corpus/*/input.ndjson \
	    tests/corpus/*/INPUT.JSON tests/fixtures/spec-examples/submission-*.json \
	    tests/fixtures/xform/validate/*/input.json; do \
	    [ -f "$$f" ] && [ $$(stat -c %s "$$f") -le $(FUZZ_MAXLEN_validate) ] || continue; \
	    cp "$$f" "$(FUZZ_BUILD)/seeds-validate/$$(echo "$$f" | tr / _)"; \
	done
	@n=0; { grep -ohE '"(period|academic_year|submitted_at)": *"[^"]*"' \
	    tests/corpus/*/input.json tests/fixtures/spec-examples/*.json 2>/dev/null \
	    | sed -E 's/^"[a-z_]+": *"//; s/"$$//'; \
	    printf '%s\n' '2024-2025-1' ' 2024-2025-2 ' '2024-2025学年第一学期' '2024-2025学年第二学期' \
	    '2100-2101-1' '1999-2000-2' '2025-01-10T16:30:00+08:00' '2024-02-29t23:59:59.999z' \
	    '0001-01-01T00:00:00+23:59' '9999-12-31T23:59:59-23:59'; } | sort -u | \
	    while IFS= read -r v; do n=$$((n + 1)); printf '%s' "$$v" >"$(FUZZ_BUILD)/seeds-period/$$n"; done
	@for f in $$(find tests/fixtures config/demo -name '*.csv' -size -64k 2>/dev/null); do \
	    cp "$$f" "$(FUZZ_BUILD)/seeds-registry/$$(echo "$$f" | tr / _)"; \
	done
	@for f in tests/corpus/*/*.gz; do \
	    [ -f "$$f" ] && [ $$(stat -c %s "$$f") -le $(FUZZ_MAXLEN_gzip) ] || continue; \
	    cp "$$f" "$(FUZZ_BUILD)/seeds-gzip/$$(echo "$$f" | tr / _)"; \
	done
	@for f in tests/fixtures/spec-examples/submission-*.json; do \
	    gzip -n -c "$$f" >"$(FUZZ_BUILD)/seeds-gzip/$$(basename "$$f").gz"; \
	    tr -d '\n' <"$$f" >>"$(FUZZ_BUILD)/seeds-gzip/lines.jsonl"; \
	    printf '\r\n\n' >>"$(FUZZ_BUILD)/seeds-gzip/lines.jsonl"; \
	done; gzip -n "$(FUZZ_BUILD)/seeds-gzip/lines.jsonl"

# fuzz_cmd HARNESS SECONDS: one harness, its log in build-fuzz/fuzz_HARNESS.log
fuzz_cmd = $(FUZZ_BUILD)/fuzz_$(1) -max_total_time=$(2) -timeout=$(FUZZ_TIMEOUT) \
    -max_len=$(FUZZ_MAXLEN_$(1)) -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crash-$(1)- \
    $(FUZZ_BUILD)/corpus-$(1) $(FUZZ_BUILD)/seeds-$(1) >$(FUZZ_BUILD)/fuzz_$(1).log 2>&1

# fuzz_run SECONDS HARNESSES: the harnesses side by side, then one line each and the verdict
define fuzz_run
	@mkdir -p $(2:%=$(FUZZ_BUILD)/corpus-%)
	@echo "fuzz: $(2), $(1) s each"
	@$(foreach h,$(2),( $(call fuzz_cmd,$(h),$(1)); echo $$? >$(FUZZ_BUILD)/fuzz_$(h).rc ) & ) wait; \
	rc=0; \
	for h in $(2); do \
	    log=$(FUZZ_BUILD)/fuzz_$$h.log; \
	    execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -1); \
	    speed=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log | tail -1); \
	    cov=$$(grep -oE 'cov: [0-9]+' $$log | tail -1); \
	    if [ "$$(cat $(FUZZ_BUILD)/fuzz_$$h.rc)" = 0 ]; then \
	        echo "ok   fuzz_$$h: $${execs:-?} executions, $${speed:-?}/s, $${cov:-cov: ?}"; \
	    else \
	        rc=1; \
	        echo "FAIL fuzz_$$h: $${execs:-?} executions; see $$log"; \
	        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' $$log | head -8 | sed 's/^/     | /'; \
	    fi; \
	done; \
	exit $$rc
endef

fuzz: $(FUZZ_BINS) fuzz-seeds
	$(call fuzz_run,$(FUZZ_SECONDS),$(FUZZ_HARNESSES))

fuzz-ci: $(FUZZ_BINS) fuzz-seeds
	$(call fuzz_run,$(FUZZ_CI_SECONDS),$(FUZZ_HARNESSES))

$(FUZZ_HARNESSES:%=fuzz-%): fuzz-%: $(FUZZ_BUILD)/fuzz_% fuzz-seeds
	$(call fuzz_run,$(FUZZ_SECONDS),$*)
