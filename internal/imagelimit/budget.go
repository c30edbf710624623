package imagelimit

import "sync"

// DecodeBudget is the memory that the decodes of one process may need together (their
// estimates, see Header): one decode at the limit (MaxDecodeBytes) and room for the
// small ones beside it. Without it, each worker of a server could hold a decode at the
// limit at once (the sandbox's ten CMYK images a request, four requests: 1.09 GB).
const DecodeBudget = MaxDecodeBytes + 64<<20

var decodes = &budget{free: DecodeBudget}

// Reserve waits until need bytes of DecodeBudget are free, takes them, and returns the
// function that gives them back (call it once the decode's buffers are garbage). A need
// over the whole budget takes the whole budget (the decode runs alone); a need ≤ 0
// takes nothing.
func Reserve(need int64) (release func()) {
	need = min(need, DecodeBudget)
	if need <= 0 {
		return func() {}
	}
	decodes.acquire(need)
	var once sync.Once
	return func() { once.Do(func() { decodes.release(need) }) }
}

// ReservedNow is how much of DecodeBudget is taken (tests and figures).
func ReservedNow() int64 {
	decodes.mu.Lock()
	defer decodes.mu.Unlock()
	return DecodeBudget - decodes.free
}

type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	free int64
}

func (b *budget) acquire(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cond == nil {
		b.cond = sync.NewCond(&b.mu)
	}
	for b.free < n {
		b.cond.Wait()
	}
	b.free -= n
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free += n
	if b.cond != nil {
		b.cond.Broadcast()
	}
}
