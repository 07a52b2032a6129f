// Command sizeref is the size reference for `make size`: the smallest useful
// net/http server, built with the same flags as picosrs, so the ratio shows
// what picosrs adds on top of the Go runtime and net/http.
package main

import (
	"io"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello\n") })
	http.ListenAndServe(":8080", nil)
}
