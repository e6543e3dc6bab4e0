// Vendors the OpenAPI v3 schema of Cilium's CiliumNetworkPolicy (cilium.io/v2) into
// schema/vendor/, from the CRD that scripts/run copies out of the github.com/cilium/cilium module
// (scripts/setup/cilium.sh; the version is the one test/oracles/cilium-check/go.mod requires). The
// file holds the schema exactly as the CRD's v2 version carries it, next to where it came from:
//   { "$comment", "provenance": { module, version, path, sha256 of the CRD file, crd, version },
//     "openAPIV3Schema": { … } }
// src/verify/readers/cilium-crd.ts validates with it at run time (no Go needed); test/cilium-crd.test.ts
// re-extracts it from the module and fails when the committed copy differs.
//
// Usage: FINERACT_NETPOL_TOOLS=all scripts/run node scripts/vendor-cilium-crd.ts   (after a version bump in go.mod)
//        import { vendoredDocument } from '../scripts/vendor-cilium-crd.ts';       (the test)
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../src/paths.ts';
import { CILIUM_CNP_CRD_PATH, CILIUM_MODULE, ciliumSchemaFile } from '../src/verify/readers/cilium-crd.ts';

const CILIUM_CHECK_GO_MOD = join(REPO_ROOT, 'test', 'oracles', 'cilium-check', 'go.mod');

/** The Cilium version test/oracles/cilium-check/go.mod requires (the one pin of the project). */
export function pinnedCiliumVersion(): string {
  const goMod = readFileSync(CILIUM_CHECK_GO_MOD, 'utf8');
  const version = /^\s*(?:require\s+)?github\.com\/cilium\/cilium\s+(v\S+)/m.exec(goMod)?.[1];
  if (version === undefined) throw new Error(`${CILIUM_CHECK_GO_MOD} does not require ${CILIUM_MODULE}`);
  return version;
}

/** The CRD file scripts/run copied from the module (CILIUM_CNP_CRD, or its place under .tools/). */
export function ciliumCrdFile(version = pinnedCiliumVersion()): string {
  const fromEnv = process.env.CILIUM_CNP_CRD;
  return fromEnv !== undefined && fromEnv !== ''
    ? fromEnv
    : join(REPO_ROOT, '.tools', 'cilium', version, 'ciliumnetworkpolicies.yaml');
}

/** The vendored document for a CRD file's text: its v2 openAPIV3Schema and where it came from. */
export function vendoredDocument(crdText: string, version: string): Record<string, unknown> {
  const crd = parse(crdText) as {
    metadata?: { name?: string };
    spec?: { names?: { kind?: string }; versions?: { name: string; schema?: { openAPIV3Schema?: unknown } }[] };
  };
  if (crd.spec?.names?.kind !== 'CiliumNetworkPolicy') throw new Error('not the CiliumNetworkPolicy CRD');
  const schema = crd.spec.versions?.find((v) => v.name === 'v2')?.schema?.openAPIV3Schema;
  if (schema === undefined) throw new Error('the CRD has no v2 version with an openAPIV3Schema');
  return {
    $comment:
      'Vendored by scripts/vendor-cilium-crd.ts: spec.versions[name=v2].schema.openAPIV3Schema of the CRD below, unchanged. Do not edit; test/cilium-crd.test.ts re-extracts it from the module.',
    provenance: {
      module: CILIUM_MODULE,
      version,
      path: CILIUM_CNP_CRD_PATH,
      sha256: createHash('sha256').update(crdText).digest('hex'),
      crd: crd.metadata?.name,
      apiVersion: 'cilium.io/v2',
    },
    openAPIV3Schema: schema,
  };
}

/** The text of the vendored file for a CRD file's text (what is committed). */
export function vendoredText(crdText: string, version: string): string {
  return `${JSON.stringify(vendoredDocument(crdText, version), null, 2)}\n`;
}

if (import.meta.main) {
  const version = pinnedCiliumVersion();
  const file = ciliumSchemaFile(version);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, vendoredText(readFileSync(ciliumCrdFile(version), 'utf8'), version));
  console.log(`wrote ${file}`);
}
