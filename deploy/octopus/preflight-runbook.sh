#!/usr/bin/env bash
# Octopus runbook "Run a Script" step (Bash): run preflight on this worker or
# deployment target and attach the reports as Octopus artifacts.
#
# Variables (project or runbook variables):
#   Preflight.BinaryPath   path to the preflight binary on the machine
#                          (default: ./preflight, e.g. from a referenced package)
#   Preflight.PlanPath     path to plan.toml (default: ./plan.toml)
#   Preflight.DataCenter   the plan's [[datacenter]] name for this machine
#                          (default: the worker pool's name, else the machine's)
#   Preflight.FailOnNoGo   "True" to fail the step on NO-GO (default: True)
#
# Octopus defines get_octopusvariable and new_octopusartifact for Bash steps.
set -euo pipefail

var() {
  # get_octopusvariable prints an empty string for an unset variable.
  local value
  value=$(get_octopusvariable "$1" 2>/dev/null || true)
  if [ -n "$value" ]; then printf '%s' "$value"; else printf '%s' "${2:-}"; fi
}

binary=$(var "Preflight.BinaryPath" "./preflight")
plan=$(var "Preflight.PlanPath" "./plan.toml")
dc=$(var "Preflight.DataCenter" "$(var "Octopus.WorkerPool.Name" "$(var "Octopus.Machine.Name" "")")")
fail_on_nogo=$(var "Preflight.FailOnNoGo" "True")

if [ -z "$dc" ]; then
  echo "Set Preflight.DataCenter to the plan's [[datacenter]] name for this machine." >&2
  exit 2
fi
if [ ! -x "$binary" ]; then
  echo "preflight binary not found or not executable at '$binary' (Preflight.BinaryPath)." >&2
  exit 2
fi

out_dir="$(pwd)/preflight-reports/$dc"
rc=0
NO_COLOR=1 "$binary" run --plan "$plan" --dc "$dc" --out "$out_dir" || rc=$?
if [ "$rc" -ge 2 ]; then
  echo "preflight could not run (exit $rc): see the error above." >&2
  exit "$rc"
fi

host=$(hostname 2>/dev/null || echo host)
for file in "$out_dir"/report.*; do
  [ -f "$file" ] || continue
  name=$(basename "$file")
  new_octopusartifact "$file" "preflight-$dc-$host-$name"
done

if [ "$rc" -eq 1 ]; then
  echo "NO-GO for data center $dc: see the attached report."
  if [ "$fail_on_nogo" = "True" ]; then
    exit 1
  fi
else
  echo "GO for data center $dc."
fi
