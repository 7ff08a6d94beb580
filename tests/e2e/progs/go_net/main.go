// Go's net package on the container's network stack (e2e.net_bypass_go):
// interface listing through netlink, a dual-stack TCP listener on ":0"
// dialed at its own [::]:port, concurrent HTTP-free echo connections, and
// UDP. Prints only what is the same on Linux and under junction.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"sync"
)

func main() {
	ifs, err := net.Interfaces()
	if err != nil {
		fmt.Println("interfaces:", err)
		return
	}
	v4 := false
	for _, i := range ifs {
		addrs, _ := i.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() {
				v4 = true
			}
		}
	}
	fmt.Println("first interface:", ifs[0].Name, "loopback:", ifs[0].Flags&net.FlagLoopback != 0, "an IPv4 address elsewhere:", v4)

	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		fmt.Println("listen:", err)
		return
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) { io.Copy(c, c); c.Close() }(c)
		}
	}()
	payload := bytes.Repeat([]byte("junction"), 1<<15) // 256 KiB
	var wg sync.WaitGroup
	ok := make([]bool, 8)
	for k := 0; k < 8; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				fmt.Println("dial:", err)
				return
			}
			go func() { c.Write(payload); c.(*net.TCPConn).CloseWrite() }()
			got, _ := io.ReadAll(c)
			ok[k] = bytes.Equal(got, payload)
			c.Close()
		}(k)
	}
	wg.Wait()
	fmt.Println("8 concurrent echoes of 256 KiB:", ok)

	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("udp:", err)
		return
	}
	cc, _ := net.Dial("udp", pc.LocalAddr().String())
	cc.Write([]byte("datagram"))
	buf := make([]byte, 64)
	n, from, _ := pc.ReadFrom(buf)
	fmt.Println("udp:", string(buf[:n]), from.(*net.UDPAddr).Port == cc.LocalAddr().(*net.UDPAddr).Port)
}
