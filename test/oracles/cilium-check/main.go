// cilium-check: Cilium's own acceptance of CiliumNetworkPolicies, offline. It reads YAML or JSON
// documents (files, or stdin when none or "-" is given), and for each CiliumNetworkPolicy does what
// the Cilium agent does with one it receives from the API server: decode it into Cilium's v2 type
// (github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2, unknown fields refused), convert it with
// CiliumNetworkPolicy.Parse (which runs api.Rule.Sanitize on the spec and on each of specs, then
// utils.ParseToCiliumRule: namespace-scoped selectors), and sanitize each resulting rule again.
// Cilium v1.20.2 is pinned in go.mod; scripts/run builds this into .tools/bin/cilium-check.
//
// Usage: cilium-check [-namespace NS] [FILE|-]…
//
// One line per document on stdout, tab-separated:
//
//	ok	<namespace>/<name>	<rules>        the agent would accept it (<rules>: rules it yields)
//	error	<namespace>/<name>	<message>      Cilium refuses it (decode, Parse or Sanitize error)
//	skip	<kind> <namespace>/<name>          not a CiliumNetworkPolicy (List items are read one by one)
//
// Exit status: 0 when every CiliumNetworkPolicy is accepted, 1 when one is refused, 2 when the
// input cannot be read (not YAML/JSON, a file that does not open). -namespace (default "default")
// is the namespace of objects without metadata.namespace, as `helm template` without -n leaves
// them and the API server would place them.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"k8s.io/apimachinery/pkg/util/yaml"

	cilium "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
)

// clusterName is the agent's --cluster-name default: Parse adds it to selectors, nothing more.
const clusterName = "default"

type document struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Items []json.RawMessage `json:"items"`
}

func main() {
	namespace := flag.String("namespace", "default", "namespace of objects without metadata.namespace")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: cilium-check [-namespace NS] [FILE|-]…")
		flag.PrintDefaults()
	}
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	refused := 0
	for _, file := range files {
		n, err := checkFile(file, *namespace, logger, os.Stdout)
		refused += n
		if err != nil {
			fmt.Fprintf(os.Stderr, "cilium-check: %s: %v\n", file, err)
			os.Exit(2)
		}
	}
	if refused > 0 {
		os.Exit(1)
	}
}

// checkFile checks every document of one file; returns how many Cilium refuses.
func checkFile(file, namespace string, logger *slog.Logger, out io.Writer) (int, error) {
	var reader io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		reader = f
	}
	decoder := yaml.NewYAMLOrJSONDecoder(reader, 4096)
	refused := 0
	for {
		var raw json.RawMessage
		if err := decoder.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return refused, nil
			}
			return refused, err
		}
		if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
			continue // an empty document (`---` alone)
		}
		refused += checkDocument(raw, namespace, logger, out)
	}
}

func checkDocument(raw json.RawMessage, namespace string, logger *slog.Logger, out io.Writer) int {
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		fmt.Fprintf(out, "error\t?\tnot a Kubernetes object: %v\n", err)
		return 1
	}
	ns := doc.Metadata.Namespace
	if ns == "" {
		ns = namespace
	}
	id := ns + "/" + doc.Metadata.Name
	if doc.Kind == "List" || (len(doc.Kind) > 4 && doc.Kind[len(doc.Kind)-4:] == "List") {
		refused := 0
		for _, item := range doc.Items {
			refused += checkDocument(item, namespace, logger, out)
		}
		return refused
	}
	if doc.APIVersion != "cilium.io/v2" || doc.Kind != "CiliumNetworkPolicy" {
		fmt.Fprintf(out, "skip\t%s %s\n", doc.Kind, id)
		return 0
	}
	rules, err := parse(raw, ns, logger)
	if err != nil {
		fmt.Fprintf(out, "error\t%s\t%s\n", id, oneLine(err.Error()))
		return 1
	}
	fmt.Fprintf(out, "ok\t%s\t%d\n", id, rules)
	return 0
}

// parse decodes one CiliumNetworkPolicy strictly and converts it as the agent does; returns the
// number of rules it yields.
func parse(raw json.RawMessage, namespace string, logger *slog.Logger) (int, error) {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.DisallowUnknownFields()
	var cnp cilium.CiliumNetworkPolicy
	if err := decoder.Decode(&cnp); err != nil {
		return 0, fmt.Errorf("decoding as cilium.io/v2 CiliumNetworkPolicy: %w", err)
	}
	if cnp.Namespace == "" {
		cnp.Namespace = namespace
	}
	rules, err := cnp.Parse(logger, clusterName)
	if err != nil {
		return 0, err
	}
	for i, rule := range rules {
		if err := rule.Sanitize(); err != nil {
			return 0, fmt.Errorf("rule %d after parsing: %w", i, err)
		}
	}
	return len(rules), nil
}

func oneLine(text string) string {
	return string(bytes.Join(bytes.Fields([]byte(text)), []byte(" ")))
}
