# Cilium, for the real checks of the CiliumNetworkPolicies the chart renders (policyEngine: cilium):
# the CiliumNetworkPolicy CRD of the pinned Cilium release, copied out of its Go module, and
# cilium-check (test/oracles/cilium-check/: Cilium's own CiliumNetworkPolicy.Parse and
# api.Rule.Sanitize, compiled). Sourced by scripts/run (which defines say, die, TOOLS, ROOT) after
# scripts/setup/control-plane.sh (module_dir, go_build, require_go); each function is idempotent
# and skipped when its stamp is current.
#
# The Cilium version is pinned once, in test/oracles/cilium-check/go.mod (its go.sum pins every
# module it builds with); the vendored schema/vendor/cilium-<version>-*.json names the same version
# and test/cilium-crd.test.ts checks that both agree with the CRD copied here.
#
# Usage (inside scripts/run): ensure_cilium_crd; ensure_cilium_check
#   then CILIUM_CNP_CRD=.tools/cilium/<version>/ciliumnetworkpolicies.yaml,
#        CILIUM_CHECK=.tools/bin/cilium-check

readonly CILIUM_MODULE=github.com/cilium/cilium
readonly CILIUM_CHECK_SOURCE="$ROOT/test/oracles/cilium-check"
# Where the CRD lives inside the module.
readonly CILIUM_CNP_CRD_PATH=pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml

# The Cilium version that test/oracles/cilium-check/go.mod requires, e.g. v1.20.2.
cilium_version() {
  local version
  version="$(sed -n 's#^[[:space:]]*\(require[[:space:]]\{1,\}\)\{0,1\}github\.com/cilium/cilium[[:space:]]\{1,\}\(v[^[:space:]]*\).*$#\2#p' \
    "$CILIUM_CHECK_SOURCE/go.mod" | head -1)"
  [[ -n "$version" ]] || die "test/oracles/cilium-check/go.mod does not require $CILIUM_MODULE"
  printf '%s' "$version"
}

# The CiliumNetworkPolicy CRD, copied from the module into .tools/cilium/<version>/ (the module
# cache is read-only and may be cleaned; the copy is what the tests and the sandbox read).
ensure_cilium_crd() {
  local version
  version="$(cilium_version)"
  local dir="$TOOLS/cilium/$version"
  local crd="$dir/ciliumnetworkpolicies.yaml"
  local stamp="$dir/.stamp"
  local wanted="$CILIUM_MODULE@$version $CILIUM_CNP_CRD_PATH"
  export CILIUM_CNP_CRD="$crd"
  if [[ -f "$crd" && "$(cat "$stamp" 2>/dev/null)" == "$wanted" ]]; then
    return
  fi
  require_go "the Cilium CRD (it is read from the $CILIUM_MODULE module)"
  say "fetching $CILIUM_MODULE@$version for its CiliumNetworkPolicy CRD (about 37 MB the first time)"
  local source
  source="$(module_dir "$CILIUM_MODULE@$version")"
  [[ -f "$source/$CILIUM_CNP_CRD_PATH" ]] || die "$CILIUM_MODULE@$version has no $CILIUM_CNP_CRD_PATH"
  mkdir -p "$dir"
  cp "$source/$CILIUM_CNP_CRD_PATH" "$crd.partial"
  chmod u+w "$crd.partial"
  mv -f "$crd.partial" "$crd"
  printf '%s' "$wanted" >"$stamp"
}

# cilium-check: rebuilt when its sources (main.go, go.mod, go.sum: the pinned versions) or the Go
# version change (build_project_tool, scripts/setup/control-plane.sh). `go build -mod=readonly` builds exactly what go.sum pins and downloads only the
# modules it compiles (about 80 MB of module zips, Cilium's own 37 MB included); offline once they
# are in the module cache.
ensure_cilium_check() {
  local version
  version="$(cilium_version)"
  build_project_tool cilium-check "$CILIUM_CHECK_SOURCE" "$CILIUM_MODULE@$version" \
    "cilium-check against $CILIUM_MODULE@$version (about 80 MB of modules and 1-2 minutes the first time)" \
    -mod=readonly -ldflags "-s -w"
}
