// Command llb-load-check hands every marshalled LLB definition in a directory
// (pb.Definition bytes, written by frontend/cli/examples/llb_definitions.rs) to
// BuildKit's own solver loader, llbsolver.Load, with cap validation: the same
// code path a BuildKit v0.13.2 daemon runs on a frontend's Solve request before
// it schedules anything. It exits 1 when a definition fails to decode or load,
// or when the directory holds no definition at all.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/moby/buildkit/solver/llbsolver"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: llb-load-check DIR (a directory of *.pb definitions)")
		os.Exit(2)
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.pb"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "llb-load-check:", err)
		os.Exit(2)
	}
	sort.Strings(files)
	if len(files) == 0 {
		fmt.Fprintf(os.Stderr, "llb-load-check: no *.pb definitions in %s\n", os.Args[1])
		os.Exit(1)
	}
	failed := 0
	for _, f := range files {
		if err := load(f); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", filepath.Base(f), err)
			failed++
			continue
		}
		fmt.Printf("ok   %s\n", filepath.Base(f))
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "llb-load-check: %d of %d definitions rejected by llbsolver.Load\n", failed, len(files))
		os.Exit(1)
	}
	fmt.Printf("llb-load-check: %d definitions loaded by BuildKit's llbsolver.Load (caps validated)\n", len(files))
}

func load(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var def pb.Definition
	if err := def.Unmarshal(data); err != nil {
		return fmt.Errorf("decode pb.Definition: %w", err)
	}
	if len(def.Def) == 0 {
		return fmt.Errorf("empty definition")
	}
	edge, err := llbsolver.Load(context.Background(), &def, nil, llbsolver.WithValidateCaps())
	if err != nil {
		return err
	}
	if edge.Vertex == nil {
		return fmt.Errorf("llbsolver.Load returned no vertex")
	}
	// Negative control: the same definition with a cap BuildKit does not know on
	// every op must be refused, or the cap validation above proved nothing.
	for dgst, md := range def.Metadata {
		caps := map[apicaps.CapID]bool{"patient-risk.no-such-cap": true}
		for c, v := range md.Caps {
			caps[c] = v
		}
		md.Caps = caps
		def.Metadata[dgst] = md
	}
	if _, err := llbsolver.Load(context.Background(), &def, nil, llbsolver.WithValidateCaps()); err == nil {
		return fmt.Errorf("negative control: an unknown cap was accepted, so caps are not being validated")
	}
	return nil
}
