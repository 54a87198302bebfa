#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, and shows the
# terminal at work on a fresh data folder: ratings and a complaint recorded
# through the command line, solved on the spot, then the status and export;
# then head office on loopback with its dashboard, the terminal enrolled and
# synced; then the kiosk in a window (or, without a display, its scripted
# walk-through headless, with screenshots in build/demo-screenshots), enrolled
# to the same head office, whose dashboard stays open until the kiosk ends.
set -euo pipefail
cd "$(dirname "$0")/.."

bash platform/install-deps.sh
cmake --preset dev
cmake --build --preset dev --target feedback-terminal feedback-kiosk feedback-hq

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

echo
echo "== Head office on this machine (loopback HTTPS, its own private CA), and the terminal enrolled to it"
hq=build/dev/sync/feedback-hq
hq_dir=build/demo-hq
rm -rf "$hq_dir"
"$hq" init --dir "$hq_dir"
"$hq" serve --dir "$hq_dir" --listen 127.0.0.1:0 > "$hq_dir/serve.log" 2>&1 &
hq_pid=$!
trap 'kill "$hq_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q "listening on" "$hq_dir/serve.log" && break
  sleep 0.1
done
url=$(sed -n 's/.*listening on //p' "$hq_dir/serve.log" | head -1)
code=$("$hq" enroll --dir "$hq_dir" --store UTR --name "Kassa 2" | head -1)
echo "one-time enrolment code: $code"
"$terminal" enroll --data-dir "$data" --server "$url" --code "$code" --ca "$hq_dir/tls/ca.pem"
"$terminal" sync --data-dir "$data" --once

echo
echo "== What head office knows: the devices, and every event exactly once"
"$hq" devices --dir "$hq_dir"
"$hq" export --dir "$hq_dir" --format csv

echo
echo "== Head office's dashboard: a quality manager who may follow complaints up"
demo_password="demo-password-2026"
echo "$demo_password" | "$hq" user add --dir "$hq_dir" --name kwaliteit --role admin --password-stdin
echo "Dashboard: $url/overview  (user kwaliteit, password $demo_password; the"
echo "certificate is head office's own: trust $hq_dir/tls/ca.pem or accept the warning)"

echo
echo "== The kiosk itself, on a fresh data folder, enrolled to the same head office"
kiosk_data=build/demo-data/kiosk
mkdir -p "$kiosk_data"
code=$("$hq" enroll --dir "$hq_dir" --store UTR --name "Kiosk bij de ingang" | head -1)
"$terminal" enroll --data-dir "$kiosk_data" --server "$url" --code "$code" --ca "$hq_dir/tls/ca.pem"
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  shots=build/demo-screenshots
  rm -rf "$shots"
  echo "There is no display here (neither \$DISPLAY nor \$WAYLAND_DISPLAY is set), so the kiosk"
  echo "cannot open its window. Running the scripted walk-through headless instead:"
  echo "a rating, a complaint with its reference code, then staff mode."
  "$terminal" run --data-dir "$kiosk_data" --headless --script tests/scripts/demo.jsonl --screenshots "$shots"
  echo
  echo "Screenshots of every step: $(pwd)/$shots"
  echo "What the walk-through recorded, sent on to head office:"
  "$terminal" sync --data-dir "$kiosk_data" --once
  "$terminal" status --data-dir "$kiosk_data"
else
  echo "Shoppers: tap a number, or \"Ik heb een klacht\" (NL / English at the top right)."
  echo "Staff mode: hold the top-left corner for 3 seconds, then PIN 1234 (Anna de Vries)"
  echo "or 9876 (Mehmet Yilmaz, the manager). The kiosk sends each tap to head office"
  echo "within seconds: watch it arrive on the dashboard ($url/overview)."
  echo "Close the window to end the demo (head office stops with it)."
  "$terminal" run --data-dir "$kiosk_data" --window 1280x800 --sync-start-delay-max 1
  echo
  "$terminal" status --data-dir "$kiosk_data"
fi

echo
echo "== Head office: the devices now"
"$hq" devices --dir "$hq_dir"
kill -TERM "$hq_pid"
wait "$hq_pid" || true
trap - EXIT
echo "head office's request log (no personal data):"
cat "$hq_dir/serve.log"
