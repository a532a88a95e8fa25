#include "go_asm.h"
#include "textflag.h"

#define SYS_write		1
#define SYS_rt_sigprocmask	14
#define SYS_pread64		17
#define SYS_nanosleep		35
#define SYS_clone		56
#define SYS_exit		60
#define SYS_exit_group		231
#define SYS_unlinkat		263

#define SIG_SETMASK	2
#define AT_FDCWD	-100
#define EINTR		4

// CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM:
// a thread of this process, as the runtime makes its own.
#define CLONE_FLAGS	0x50f00

// func clone(s *shared, stack uintptr) int64
//
// The new thread starts at watch, with the registers of this one (R12 is
// s) and the stack given, and with every signal blocked: the mask is set
// to all before the clone and put back after it, in this thread only. It
// runs no Go code and uses no stack: only registers, s and system calls.
TEXT ·clone(SB),NOSPLIT,$0-24
	MOVQ	s+0(FP), R12
	MOVQ	stack+8(FP), R13
	MOVQ	$SYS_rt_sigprocmask, AX
	MOVQ	$SIG_SETMASK, DI
	LEAQ	shared_sigAll(R12), SI
	LEAQ	shared_sigOld(R12), DX
	MOVQ	$8, R10
	SYSCALL
	MOVQ	$SYS_clone, AX
	MOVQ	$CLONE_FLAGS, DI
	MOVQ	R13, SI
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	SYSCALL
	CMPQ	AX, $0
	JEQ	watch
	MOVQ	AX, R13
	MOVQ	$SYS_rt_sigprocmask, AX
	MOVQ	$SIG_SETMASK, DI
	LEAQ	shared_sigOld(R12), SI
	XORQ	DX, DX
	MOVQ	$8, R10
	SYSCALL
	MOVQ	R13, ret+16(FP)
	RET

	// The watcher. R12: s; R13: the resident set read, in pages; R14:
	// nanoseconds slept past the limit.
watch:
	XORQ	R14, R14
loop:
	MOVQ	$SYS_nanosleep, AX
	LEAQ	shared_sleep(R12), DI
	XORQ	SI, SI
	SYSCALL
	MOVL	shared_state(R12), BX
	CMPL	BX, $const_stateReported
	JAE	done
	MOVQ	$SYS_pread64, AX
	MOVLQSX	shared_fd(R12), DI
	LEAQ	shared_buf(R12), SI
	MOVQ	$64, DX
	XORQ	R10, R10
	SYSCALL
	CMPQ	AX, $0
	JLE	loop
	// statm is "size resident shared ...", in pages: skip the size, read
	// the resident set.
	LEAQ	shared_buf(R12), SI
	LEAQ	(SI)(AX*1), DI
skip:
	CMPQ	SI, DI
	JAE	loop
	MOVBQZX	(SI), BX
	INCQ	SI
	CMPQ	BX, $0x20
	JNE	skip
	XORQ	R13, R13
digit:
	CMPQ	SI, DI
	JAE	parsed
	MOVBQZX	(SI), BX
	SUBQ	$0x30, BX
	CMPQ	BX, $9
	JHI	parsed
	IMULQ	$10, R13
	ADDQ	BX, R13
	INCQ	SI
	JMP	digit
parsed:
	// One writer: aligned stores are atomic for the Go side's loads.
	MOVQ	R13, shared_rss(R12)
	MOVQ	shared_polls(R12), BX
	INCQ	BX
	MOVQ	BX, shared_polls(R12)
	MOVL	shared_state(R12), AX
	CMPQ	R13, shared_hard(R12)
	JHI	fire
	CMPL	AX, $const_stateArmed
	JNE	under
	CMPQ	R13, shared_limit(R12)
	JLS	under
	ADDQ	shared_sleep+8(R12), R14
	CMPQ	R14, shared_grace(R12)
	JHS	fire
	JMP	pace
under:
	XORQ	R14, R14

	// The next sleep: nsPage for each page of distance to the hard limit
	// (R13 is at most hard here), within minPoll and maxPoll.
pace:
	MOVQ	shared_hard(R12), AX
	SUBQ	R13, AX
	MOVQ	shared_maxPoll(R12), BX
	CMPQ	AX, shared_farPages(R12)
	JHS	sleep
	IMULQ	shared_nsPage(R12), AX
	MOVQ	AX, BX
	CMPQ	BX, shared_minPoll(R12)
	JHS	sleep
	MOVQ	shared_minPoll(R12), BX
sleep:
	MOVQ	BX, shared_sleep+8(R12)
	JMP	loop

	// Take the stop (AX: the state read, armed or stopping), remove the
	// tracked files, write the message, end the process.
fire:
	CMPL	AX, $const_stateStopping
	JHI	done
	MOVL	$const_stateFired, CX
	LOCK
	CMPXCHGL	CX, shared_state(R12)
	JNE	loop
	XORQ	R15, R15
unlink:
	CMPQ	R15, $const_maxTracked
	JHS	message
	MOVL	shared_used(R12)(R15*4), BX
	CMPL	BX, $0
	JEQ	next
	MOVQ	R15, BX
	IMULQ	$const_pathCap, BX
	LEAQ	shared_paths(R12)(BX*1), SI
	MOVQ	$SYS_unlinkat, AX
	MOVQ	$AT_FDCWD, DI
	XORQ	DX, DX
	SYSCALL
next:
	INCQ	R15
	JMP	unlink
message:
	MOVL	shared_msg(R12), BX
	MOVQ	shared_msgLen(R12)(BX*8), DX
	IMULQ	$const_msgCap, BX
	LEAQ	shared_msgBuf(R12)(BX*1), SI
	MOVQ	$2, DI
write:
	CMPQ	DX, $0
	JLE	exit
	MOVQ	$SYS_write, AX
	SYSCALL
	CMPQ	AX, $-EINTR
	JEQ	write
	CMPQ	AX, $0
	JLE	exit
	ADDQ	AX, SI
	SUBQ	AX, DX
	JMP	write
exit:
	MOVQ	$SYS_exit_group, AX
	MOVQ	$2, DI
	SYSCALL
	JMP	exit

	// The Go side is done with the watch: end this thread only.
done:
	MOVQ	$SYS_exit, AX
	XORQ	DI, DI
	SYSCALL
	JMP	done
