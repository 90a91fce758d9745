//go:build aportfloor

package main

import "os"

// With the aportfloor build tag, the binary exits as soon as every package is
// initialised, before main runs: the cheapest a process of this binary can
// be. `make bench-process` builds it to show how much of aport's cost is
// start-up that no code in main can avoid. Never part of a release build.
func init() { os.Exit(0) }
