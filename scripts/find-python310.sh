#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 needs Python < 3.11), or fails clearly.
set -euo pipefail
candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for dir in $(ls -d "$root"/versions/3.10.* 2>/dev/null | sort -V -r); do candidates+=("$dir/bin/python"); done
fi
for name in python3.10 python3 python; do
  command -v "$name" >/dev/null 2>&1 && candidates+=("$(command -v "$name")")
done
for py in "${candidates[@]}"; do
  if [ -x "$py" ] && "$py" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; then
    echo "$py"
    exit 0
  fi
done
echo "error: Python 3.10 not found. Rasa 3.6 requires Python 3.10 (it refuses 3.11+)." >&2
echo "Install it (e.g. 'pyenv install 3.10.13') or set PYTHON310=/path/to/python3.10." >&2
exit 1
