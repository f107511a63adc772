# sql/ holds one current definition of every function: schema/ (append-only migrations:
# tables, types, indexes, roles) defines none, and no function (name and argument types) is
# defined in two places of functions/. Every function file is applied again as a whole, so
# it only CREATEs OR REPLACEs.
source "$ROOT/tests/integration/lib.sh"
cd "$ROOT/sql"
/usr/bin/python3 - schema/*.sql -- functions/*.sql <<'PY' || fail "the layout of sql/ is broken"
import re, sys
args = sys.argv[1:]
cut = args.index('--')
schema, functions = args[:cut], args[cut + 1:]
define = re.compile(r'create\s+(or\s+replace\s+)?function\s+([\w.]+)\s*\(([^)]*)\)', re.I)
def signatures(path):
    for m in define.finditer(open(path, encoding='utf-8').read()):
        # argument types only: "p_periods text[], p_run_id bigint" -> "text[],bigint"
        types = [a.split()[-1].lower() if len(a.split()) > 1 else a.strip().lower()
                 for a in m.group(3).split(',') if a.strip()]
        yield m.group(1) is not None, m.group(2).lower() + '(' + ','.join(types) + ')'
bad = []
for path in schema:
    bad += ['%s: function %s in a schema migration' % (path, s) for _, s in signatures(path)]
seen = {}
for path in functions:
    for replace, sig in signatures(path):
        if not replace:
            bad.append('%s: CREATE FUNCTION %s cannot be applied again (OR REPLACE)' % (path, sig))
        if sig in seen:
            bad.append('%s defined in %s and in %s' % (sig, seen[sig], path))
        seen[sig] = path
if len(seen) < 25:
    bad.append('only %d functions found' % len(seen))
print('\n'.join(bad) if bad else 'sql layout: %d functions, one definition each' % len(seen))
sys.exit(1 if bad else 0)
PY
