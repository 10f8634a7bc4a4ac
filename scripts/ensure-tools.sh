#!/usr/bin/env bash
# Make sure the Debian tools the tests drive are present: LaTeXML, TeX Live, poppler,
# Chromium with its driver (the report test opens `nougat-align view` output in /usr/bin/chromium),
# and python3-venv (a fresh Debian's python3 cannot make the venvs of `make setup` without it).
# Installs them with apt when missing and running as root; otherwise says what to install.
set -euo pipefail
PKGS="python3-venv latexml texlive-latex-extra texlive-science texlive-fonts-recommended texlive-plain-generic cm-super poppler-utils chromium chromium-driver"
missing=()
for t in latexmlc pdflatex bibtex pdftotext chromium chromedriver; do
  command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
python3 -c "import ensurepip" >/dev/null 2>&1 || missing+=(python3-venv)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tools: installing ${missing[*]} (apt: $PKGS)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq $PKGS >/dev/null
  exit 0
fi
echo "ensure-tools: missing ${missing[*]}; install them with: sudo apt-get install $PKGS" >&2
exit 1
