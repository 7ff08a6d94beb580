// A tiny net/http server and client for tests/net/net_apps_test.sh: the
// client fetches /blob/N (N deterministic bytes) several times over
// keep-alive connections, some concurrently, and checks every body.
//
//	go_http server PORT
//	go_http client URL_BASE
package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// body returns n bytes that depend on n, so a truncated or mixed-up
// response is caught.
func body(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*7 + n) % 251)
	}
	return b
}

func serve(port string) error {
	http.HandleFunc("/blob/", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/blob/"))
		if err != nil || n < 0 || n > 64<<20 {
			http.Error(w, "bad size", http.StatusBadRequest)
			return
		}
		w.Write(body(n))
	})
	fmt.Println("listening on", port)
	return http.ListenAndServe(":"+port, nil)
}

func fetch(c *http.Client, base string, n int) error {
	resp, err := c.Get(fmt.Sprintf("%s/blob/%d", base, n))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || !bytes.Equal(got, body(n)) {
		return fmt.Errorf("/blob/%d: status %d, %d bytes", n, resp.StatusCode, len(got))
	}
	return nil
}

func client(base string) error {
	c := &http.Client{Timeout: 60 * time.Second}
	// The server may still be starting.
	var err error
	for i := 0; i < 100; i++ {
		if err = fetch(c, base, 1); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	sizes := []int{0, 1, 1000, 65536, 1 << 20, 3<<20 + 17}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(sizes))
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, n := range sizes {
				if err := fetch(c, base, n); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	fmt.Println("go http client ok:", 4*len(sizes), "requests")
	return nil
}

func main() {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "server":
		err = serve(os.Args[2])
	case len(os.Args) == 3 && os.Args[1] == "client":
		err = client(os.Args[2])
	default:
		err = fmt.Errorf("usage: go_http server PORT | client URL_BASE")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_http:", err)
		os.Exit(1)
	}
}
