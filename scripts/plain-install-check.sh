#!/usr/bin/env bash
# Install nougat-align the way a user does -- `pip install .`, no extras, in a venv of its own --
# and run every command's --help, a split of a fixture and a view of that split with it, from
# outside the repo (so the installed package runs, not the checkout).  Catches undeclared
# dependencies and package data missing from the install.
#
# Fast on reruns: the venv (with the dependencies) is rebuilt only when pyproject.toml changes;
# otherwise only the package itself is reinstalled (pip's cache keeps the wheels).
#   usage: scripts/plain-install-check.sh [VENV]   (default .venv-plain)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
venv=${1:-.venv-plain}
python=${PYTHON:-python3}
stamp=$venv/.deps-of-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -e "$stamp" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q "$repo"
  "$venv/bin/pip" install -q "setuptools>=77" wheel  # only for the fast reinstalls below
  touch "$stamp"
else
  "$venv/bin/pip" install -q --no-deps --force-reinstall --no-build-isolation "$repo"
fi
bin=$(cd "$venv/bin" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin/pip" check >/dev/null
"$bin/python" -c "import nougat_align, sys; assert 'sklearn' not in sys.modules, 'import nougat_align loaded sklearn'"
# package data: our LaTeXML bindings (and the fast conversion's picture stand-ins)
"$bin/python" -c "from nougat_align.source.latexml import BINDINGS, PICTURES; assert (BINDINGS / 'siunitx.sty.ltxml').is_file() and (BINDINGS / 'nougat.sty.ltxml').is_file() and (PICTURES / 'tikz.sty.ltxml').is_file(), 'LaTeXML bindings missing from the install'"
"$bin/nougat-align" --help >/dev/null
"$bin/nougat-align" --version
commands=$("$bin/nougat-align" --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}')
[ -n "$commands" ] || { echo "plain-install: no commands in --help" >&2; exit 1; }
for c in $commands; do
  "$bin/nougat-align" "$c" --help >/dev/null
done
paper=$repo/fixtures/papers/basic
"$bin/nougat-align" split --pdf "$paper/paper.pdf" --html "$paper/paper.html" -o "$work/out" 2>"$work/split.log"
ls "$work/out/meta.json" "$work/out/01.mmd" "$work/out/01.png" >/dev/null
"$bin/nougat-align" view "$work/out" -o "$work/report" 2>"$work/view.log"  # package data (report/assets)
ls "$work/report/index.html" >/dev/null
echo "plain-install: pip install . ok; --help of $(echo $commands | wc -w) commands ok; split: $(cat "$work/split.log"); view: $(cat "$work/view.log")"
