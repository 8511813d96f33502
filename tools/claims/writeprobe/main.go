// Command writeprobe is bind-mounted read-only into a running app container by
// tests/images/test_runtime_platforms.py (static, one build per architecture),
// because most images have no shell to probe with. It reports:
//
//	writeprobe id              uid:gid of the process (the image's user)
//	writeprobe write DIR...    for each DIR: "DIR ok" when a file can be created there
//	                           (then removed), else "DIR <error>"
//	writeprobe rw-mounts       the mount points mounted read-write, one per line
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: writeprobe id | write DIR... | rw-mounts")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "id":
		fmt.Printf("%d:%d\n", os.Getuid(), os.Getgid())
	case "write":
		for _, dir := range os.Args[2:] {
			path := filepath.Join(dir, fmt.Sprintf(".writeprobe-%d", os.Getpid()))
			f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				fmt.Printf("%s %v\n", dir, err)
				continue
			}
			f.Close()
			os.Remove(path)
			fmt.Printf("%s ok\n", dir)
		}
	case "rw-mounts":
		f, err := os.Open("/proc/self/mountinfo")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			// id parent major:minor root mountpoint options ...
			fields := strings.Fields(s.Text())
			if len(fields) < 6 {
				continue
			}
			for _, opt := range strings.Split(fields[5], ",") {
				if opt == "rw" {
					fmt.Println(fields[4])
					break
				}
			}
		}
	default:
		fmt.Fprintf(os.Stderr, "writeprobe: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}
