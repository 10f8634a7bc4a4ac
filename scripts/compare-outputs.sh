#!/usr/bin/env bash
# Do two versions of nougat-align write the same outputs?  Runs every command that writes
# files (run, index with Parquet, index --style nougat, index's layout exports, view, eval --truth, eval --pdf-text,
# html2md, figures) with the code of two git revisions on the same inputs, then diffs the
# results after removing what is wall-clock (seconds, timings.json, logs, run ids, the
# overview's time charts) and sorting manifest lines (papers finish in any order).
# An empty diff means byte-identical outputs.
#   usage: scripts/compare-outputs.sh OLD_REV [NEW_REV|WORKTREE]   (default: the work tree)
#   inputs: fixtures/papers, benchmarks/synth{,-hard,-faults}, and ../shared/corpus/real if present
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
py=${PYTHON:-$repo/.venv/bin/python}
old=$1; new=${2:-WORKTREE}
work=$(mktemp -d /tmp/compare-outputs.XXXXXX)
cat > "$work/clean.py" <<'PY'
import json, re, sys
DROP = re.compile(r"second|timings|^run$|run_id|wall|rss|started|finished|duration|per_min|cpu|host|^when$|slowest|papers_per|stages|^out$")
def clean(o):
    if isinstance(o, dict):
        return {k: clean(v) for k, v in o.items() if not DROP.search(k)}
    return [clean(v) for v in o] if isinstance(o, list) else o
for p in sys.argv[1:]:
    t = open(p).read()
    try:
        out = json.dumps(clean(json.loads(t)), sort_keys=True, indent=1)
    except ValueError:
        out = "\n".join(sorted(json.dumps(clean(json.loads(l)), sort_keys=True) for l in t.splitlines() if l.strip()))
    open(p, "w").write(out)
PY
code_of() {  # a revision's package, exported; the work tree as it is
  if [ "$1" = WORKTREE ]; then echo "$repo"; return; fi
  mkdir -p "$work/code-$2" && git -C "$repo" archive "$1" nougat_align | tar -x -C "$work/code-$2"
  echo "$work/code-$2"
}
snapshot() {  # code dir, output dir
  local code=$1 out=$2
  local na="env PYTHONSAFEPATH=1 PYTHONPATH=$code $py -m nougat_align"
  mkdir -p "$out"
  local sets="fixtures:fixtures/papers synth:benchmarks/synth synth-hard:benchmarks/synth-hard synth-faults:benchmarks/synth-faults"
  [ -d ../shared/corpus/real ] && sets="corpus:../shared/corpus/real $sets"
  for s in $sets; do
    local name=${s%%:*} src=${s#*:}
    $na run --input "$src" -o "$out/$name" --workers 2 --quiet > "$out/$name.run.txt" 2>&1 || true
    $na index "$out/$name" -o "$out/idx-$name/train.jsonl" --split validation=0.2 --parquet "$out/idx-$name/pq" > /dev/null 2>&1 || true
    $na index "$out/$name" -o "$out/idxn-$name/train.jsonl" --split validation=0.2 --style nougat > /dev/null 2>&1 || true
    $na index "$out/$name" -o "$out/idxl-$name/train.jsonl" --coco "$out/idxl-$name/coco.json" \
      --grounded "$out/idxl-$name/grounded.jsonl" --crops "$out/idxl-$name/crops" > /dev/null 2>&1 || true
    $na view "$out/$name" -o "$out/report-$name" > /dev/null 2>&1 || true
  done
  for s in synth synth-hard synth-faults; do
    $na eval --truth "benchmarks/$s" --pred "$out/$s" > "$out/$s.eval.txt" 2>&1 || true
  done
  $na eval --pdf-text fixtures/papers/twocol/paper.pdf --pred "$out/fixtures/twocol" > "$out/twocol.evalpdf.txt" 2>&1 || true
  $na html2md fixtures/papers/mathheavy/paper.html -o "$out/mathheavy.mmd" > /dev/null 2>&1 || true
  $na figures fixtures/papers/floats/paper.pdf -o "$out/floats.figures.json" > /dev/null 2>&1 || true
}
clean() {  # a snapshot made comparable: wall-clock values out, manifests sorted, paths neutral
  local dir=$1
  find "$dir" \( -name timings.json -o -name '*.log' -o -name '*.run.txt' -o -path '*/report-*/index.html' \) -delete
  find "$dir" \( -name 'manifest*.jsonl' -o -name stats.json \) -print0 | xargs -0 -r "$py" "$work/clean.py"
  find "$dir" -name '*.html' -print0 | xargs -0 -r sed -i -E 's/[0-9]+(\.[0-9]+)? s( ·|<)/N s\2/g; s/"(seconds|wall|total|run|s)": ?[0-9."a-z:-]+/"\1": N/g; s/[0-9]{8}-[0-9]{6}\.[0-9]+/RUNID/g'
  { grep -rlI "$dir" "$dir" || true; } | xargs -r sed -i "s#$dir#SNAP#g"
}
snapshot "$(code_of "$old" old)" "$work/old"
snapshot "$(code_of "$new" new)" "$work/new"
clean "$work/old"; clean "$work/new"
mv "$work/old" "$work/a"; mv "$work/new" "$work/b"  # the same path length in both
echo "diff -r (old $old, new $new) in $work:"
diff -r "$work/a" "$work/b" && echo "(no differences)"
