// Goroutines, channels, time.Sleep and asynchronous preemption (SIGURG)
// of a goroutine that never yields; GOMAXPROCS from the container's cores.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

func spin(d time.Duration) int {
	n := 0
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		n++
	}
	return n
}

func main() {
	fmt.Println("GOMAXPROCS", runtime.GOMAXPROCS(0))
	ch := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			time.Sleep(time.Duration(k) * time.Millisecond)
			ch <- k * k
		}(i)
	}
	go func() { wg.Wait(); close(ch) }()
	sum := 0
	for v := range ch {
		sum += v
	}
	fmt.Println("sum of squares", sum)
	// A goroutine that never yields must not starve the others (async
	// preemption with SIGURG).
	done := make(chan bool)
	go func() {
		x := 0
		for i := 0; i < 2000000000; i++ {
			x += i
		}
		_ = x
		done <- true
	}()
	t0 := time.Now()
	time.Sleep(20 * time.Millisecond)
	fmt.Println("sleeper woke while a goroutine spun:", time.Since(t0) < 2*time.Second)
	<-done
	fmt.Println("spinner finished")
}
