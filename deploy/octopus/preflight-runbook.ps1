# Octopus runbook "Run a Script" step (PowerShell): run preflight on this
# worker or deployment target and attach the reports as Octopus artifacts.
#
# Variables: Preflight.BinaryPath (default .\preflight.exe), Preflight.PlanPath
# (default .\plan.toml), Preflight.DataCenter (default: the worker pool's name,
# else the machine's), Preflight.FailOnNoGo (default True).
# Octopus provides $OctopusParameters and New-OctopusArtifact.
$ErrorActionPreference = 'Stop'

function Get-Var([string]$Name, [string]$Default) {
    if ($OctopusParameters -and $OctopusParameters.ContainsKey($Name) -and $OctopusParameters[$Name]) {
        return $OctopusParameters[$Name]
    }
    return $Default
}

$binary = Get-Var 'Preflight.BinaryPath' '.\preflight.exe'
$plan = Get-Var 'Preflight.PlanPath' '.\plan.toml'
$dc = Get-Var 'Preflight.DataCenter' (Get-Var 'Octopus.WorkerPool.Name' (Get-Var 'Octopus.Machine.Name' ''))
$failOnNoGo = (Get-Var 'Preflight.FailOnNoGo' 'True') -eq 'True'

if (-not $dc) {
    Write-Error "Set Preflight.DataCenter to the plan's [[datacenter]] name for this machine."
    exit 2
}
if (-not (Test-Path $binary)) {
    Write-Error "preflight binary not found at '$binary' (Preflight.BinaryPath)."
    exit 2
}

$outDir = Join-Path (Get-Location) (Join-Path 'preflight-reports' $dc)
$env:NO_COLOR = '1'
& $binary run --plan $plan --dc $dc --out $outDir
$rc = $LASTEXITCODE
if ($rc -ge 2) {
    Write-Error "preflight could not run (exit $rc): see the error above."
    exit $rc
}

$hostName = [System.Net.Dns]::GetHostName()
Get-ChildItem -Path $outDir -Filter 'report.*' -File | ForEach-Object {
    New-OctopusArtifact -Path $_.FullName -Name "preflight-$dc-$hostName-$($_.Name)"
}

if ($rc -eq 1) {
    Write-Host "NO-GO for data center ${dc}: see the attached report."
    if ($failOnNoGo) { exit 1 }
} else {
    Write-Host "GO for data center $dc."
}
