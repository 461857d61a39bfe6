#!/usr/bin/env sh
# Refresh the pages' message catalogues: extract every marked string (babel.cfg), merge the new ones
# into each language's messages.po (existing translations kept), and compile the .mo files the service
# reads. Add the Chinese for new strings to app/translations/zh/LC_MESSAGES/messages.po, then run again.
set -eu
cd "$(dirname "$0")/.."
PYBABEL=.venv/bin/pybabel
POT=$(mktemp --suffix=.pot)
trap 'rm -f "$POT"' EXIT
"$PYBABEL" extract --no-location --sort-output -F babel.cfg -k N_ -k lazy_gettext -o "$POT" . >/dev/null
"$PYBABEL" update --no-fuzzy-matching --ignore-obsolete -i "$POT" -d app/translations >/dev/null
"$PYBABEL" compile --use-fuzzy -d app/translations >/dev/null
