# Shared by the command-line test scripts: a scratch folder, and checks that count failures.
# Usage: pol=$1; source lib.sh; …; finish NAME
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
expect() {  # description, command status, wanted status
  if [ "$2" -ne "$3" ]; then
    echo "FAIL: $1 (exit $2, wanted $3)"
    failures=$((failures + 1))
  fi
}
contains() {  # description, file, text
  if ! grep -qF -- "$3" "$2"; then
    echo "FAIL: $1: '$3' not in output:"
    cat "$2"
    failures=$((failures + 1))
  fi
}
finish() {  # the script's name
  if [ $failures -ne 0 ]; then
    echo "$1: $failures failures"
    exit 1
  fi
  echo "$1: all checks passed"
}
