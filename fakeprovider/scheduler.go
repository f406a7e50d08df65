package fakeprovider

import (
	"container/heap"
	"sync"
	"time"
)

// scheduler runs short functions at given times on one goroutine: delayed
// and retried webhook deliveries, processing payments settling. stop
// waits for the goroutine, so nothing outlives Close.
type scheduler struct {
	mu      sync.Mutex
	tasks   taskHeap
	seq     uint64
	wake    chan struct{}
	done    chan struct{}
	exited  chan struct{}
	started bool
	stopped bool
}

type task struct {
	due time.Time
	seq uint64
	fn  func()
}

type taskHeap []*task

func (h taskHeap) Len() int { return len(h) }
func (h taskHeap) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].seq < h[j].seq
	}
	return h[i].due.Before(h[j].due)
}
func (h taskHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *taskHeap) Push(x any)   { *h = append(*h, x.(*task)) }
func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}

func newScheduler() *scheduler {
	return &scheduler{wake: make(chan struct{}, 1), done: make(chan struct{}), exited: make(chan struct{})}
}

// after runs fn once d has passed. fn must not block. After stop, after
// does nothing.
func (s *scheduler) after(d time.Duration, fn func()) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	if !s.started {
		s.started = true
		go s.loop()
	}
	s.seq++
	heap.Push(&s.tasks, &task{due: time.Now().Add(d), seq: s.seq, fn: fn})
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *scheduler) loop() {
	defer close(s.exited)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		var wait time.Duration = -1
		var run []*task
		now := time.Now()
		for len(s.tasks) > 0 {
			if d := s.tasks[0].due.Sub(now); d > 0 {
				wait = d
				break
			}
			run = append(run, heap.Pop(&s.tasks).(*task))
		}
		s.mu.Unlock()
		for _, t := range run {
			t.fn()
		}
		if len(run) > 0 {
			continue
		}
		var tc <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			tc = timer.C
		}
		select {
		case <-s.done:
			return
		case <-s.wake:
		case <-tc:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// stop discards pending tasks and waits for the goroutine to exit.
func (s *scheduler) stop() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	started := s.started
	s.tasks = nil
	s.mu.Unlock()
	close(s.done)
	if started {
		<-s.exited
	}
}
