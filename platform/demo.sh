#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, and shows the
# terminal at work on a fresh data folder: ratings and a complaint recorded
# through the command line, solved on the spot, then the status and export.
set -euo pipefail
cd "$(dirname "$0")/.."

bash platform/install-deps.sh
cmake --preset dev
cmake --build --preset dev --target feedback-terminal

terminal=build/dev/terminal/feedback-terminal
data=build/demo-data
rm -rf "$data"
mkdir -p "$data"

echo "== A terminal in store UTR, counter 2A"
"$terminal" init --data-dir "$data" --store UTR --terminal 2A

echo
echo "== Shoppers tap ratings (each id is printed once the tap is on disk)"
printf '%s\n' \
  '{"type":"nps.rated","score":9,"locale":"nl"}' \
  '{"type":"nps.rated","score":10,"locale":"en"}' \
  '{"type":"nps.rated","score":7,"locale":"nl"}' \
  '{"type":"nps.rated","score":3,"locale":"nl"}' |
  "$terminal" record --data-dir "$data"

echo
echo "== A walk-in complaint, logged by staff"
opened=$(printf '%s\n' \
  '{"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product","description":"Waterkoker lekt na een week","customer_wish":"Een nieuwe waterkoker","receipt_ref":"R-2026-1188"}' |
  "$terminal" record --data-dir "$data")
echo "$opened"
reference=$(echo "$opened" | awk '/^reference/ {print $2}')

echo
echo "== Solved on the spot: a replacement; the customer is satisfied; closed ($reference)"
printf '%s\n' \
  "{\"type\":\"complaint.resolved\",\"complaint\":\"$reference\",\"actor\":\"staff:anna\",\"resolution\":\"replacement\",\"on_the_spot\":true}" \
  "{\"type\":\"complaint.customer_response\",\"complaint\":\"$reference\",\"actor\":\"kiosk\",\"satisfied\":true,\"handling_score\":5}" \
  "{\"type\":\"complaint.closed\",\"complaint\":\"$reference\",\"actor\":\"staff:anna\",\"outcome\":\"resolved\"}" |
  "$terminal" record --data-dir "$data"

echo
echo "== A line that breaks the rules is refused with the reason (and nothing else is lost)"
printf '%s\n' '{"type":"nps.rated","score":11,"locale":"nl"}' | "$terminal" record --data-dir "$data" || true

echo
echo "== Status"
"$terminal" status --data-dir "$data"

echo
echo "== Export (CSV)"
"$terminal" export --data-dir "$data" --format csv
