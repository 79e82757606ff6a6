//! Bytecode -> Cranelift IR, one `translate_*` per instruction kind.
//!
//! The bytecode stack is simulated at compile time: each entry is a `JVal`,
//! either `Known` (the run-time type is fixed: constants, `"time"`, results
//! of operators on known types) in its natural machine form (f64, i64, i8
//! bool, pointer), or `Dyn` (a reference or what depends on one) as a tag
//! and 64 payload bits plus the set of types it may have. An operator on a
//! `Dyn` operand branches on the tag over exactly the combinations the
//! operator table (`ops::binary_result`) accepts: either no check site
//! fails for the current types (the unchecked function runs) or the checked
//! function passed the operator's `Check` (a load and a branch to the exit
//! with `status::CHECK + site`), so one of them matches and the last one
//! needs no test. Numeric, boolean and duration comparison combinations are
//! inline; string comparison and regex match call small helpers; the other
//! combinations of an operator (concatenation, checked duration arithmetic)
//! share one catch-all branch calling `ops::binary`, the VM's own, so code
//! size stays proportional to the inline cases.

use super::abi::{self, status, BinSite, CallSite, RawVal, RAW_BITS, RAW_SIZE, RAW_TAG};
use super::helpers;
use super::JitError;
use crate::bytecode::{Op, Program};
use crate::ops::binary_result;
use crate::value::{VType, Value};
use compiler::catalog::builtins::Builtin;
use compiler::ir::BinaryOp;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, Block, BlockArg, InstBuilder, MemFlagsData, SigRef, Signature, StackSlot,
    StackSlotData, StackSlotKind, Type, Value as CValue,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::FunctionBuilder;
use std::collections::HashMap;

/// A bit per `VType` (bit `t as u8`).
type Mask = u8;
const ALL: Mask = 0xff;

fn bit(t: VType) -> Mask {
    1 << (t as u8)
}

fn types_in(mask: Mask) -> impl Iterator<Item = VType> {
    abi::ALL_TYPES
        .into_iter()
        .filter(move |t| mask & bit(*t) != 0)
}

/// A value on the simulated stack.
#[derive(Debug, Clone, Copy)]
enum JVal {
    Known(VType, CValue),
    Dyn {
        mask: Mask,
        tag: CValue,
        bits: CValue,
    },
}

impl JVal {
    fn mask(self) -> Mask {
        match self {
            JVal::Known(t, _) => bit(t),
            JVal::Dyn { mask, .. } => mask,
        }
    }
}

/// The sites the native code addresses by pointer, created before translation
/// so their addresses are final.
pub(crate) struct Sites {
    pub calls: Box<[CallSite]>,
    pub bins: Box<[BinSite]>,
    /// For each pc: its index in `calls` or `bins`.
    pub index: Vec<u32>,
    pub scratch_len: usize,
}

impl Sites {
    /// The scratch length `Sites::new(code)` gives, without building the
    /// sites (a tiered lambda sizes its states before it is compiled).
    pub(crate) fn scratch_len_of(code: &[Op]) -> usize {
        code.iter()
            .filter(|op| {
                matches!(op, Op::Call { .. } | Op::CallState { .. }) || binary_op(**op).is_some()
            })
            .count()
    }

    /// The sites of `code` (`Program::code` or `Program::checked`).
    pub(crate) fn new(code: &[Op]) -> Sites {
        let mut calls = Vec::new();
        let mut bins = Vec::new();
        let mut index = Vec::with_capacity(code.len());
        let mut scratch = 0u32;
        for op in code {
            let i = match *op {
                Op::Call { func, argc, ctx } => {
                    calls.push(CallSite {
                        func,
                        argc,
                        state: None,
                        ctx,
                        scratch,
                    });
                    scratch += 1;
                    calls.len() - 1
                }
                Op::CallState {
                    func,
                    argc,
                    slot,
                    shared,
                    ctx,
                } => {
                    calls.push(CallSite {
                        func,
                        argc,
                        state: Some((slot, shared)),
                        ctx,
                        scratch,
                    });
                    scratch += 1;
                    calls.len() - 1
                }
                op if binary_op(op).is_some() => {
                    bins.push(BinSite { op, scratch });
                    scratch += 1;
                    bins.len() - 1
                }
                _ => 0,
            };
            index.push(i as u32);
        }
        Sites {
            calls: calls.into_boxed_slice(),
            bins: bins.into_boxed_slice(),
            index,
            scratch_len: scratch as usize,
        }
    }
}

/// The IR operator of a binary bytecode op (the type table is keyed on it).
fn binary_op(op: Op) -> Option<BinaryOp> {
    Some(match op {
        Op::Add => BinaryOp::Add,
        Op::Sub => BinaryOp::Sub,
        Op::Mul => BinaryOp::Mul,
        Op::Div => BinaryOp::Div,
        Op::Mod => BinaryOp::Mod,
        Op::Eq => BinaryOp::Eq,
        Op::Ne => BinaryOp::Ne,
        Op::Lt => BinaryOp::Lt,
        Op::Le => BinaryOp::Le,
        Op::Gt => BinaryOp::Gt,
        Op::Ge => BinaryOp::Ge,
        Op::Match => BinaryOp::RegexMatch,
        Op::NotMatch => BinaryOp::RegexNotMatch,
        _ => return None,
    })
}

/// Signatures of the helpers, imported once per function.
struct HelperSigs {
    call: SigRef,
    binary: SigRef,
    str_cmp: SigRef,
    regex_match: SigRef,
}

pub(crate) struct FunctionTranslator<'a> {
    b: FunctionBuilder<'a>,
    ptr: Type,
    ctx: CValue,
    slots: CValue,
    /// `JitCtx::fails`, loaded on entry when the code has checks.
    fails: Option<CValue>,
    program: &'a Program,
    code: &'a [Op],
    sites: &'a Sites,
    sigs: HelperSigs,
    stack: Vec<JVal>,
    /// Jump targets: pc -> block taking the deciding bool.
    targets: HashMap<usize, Block>,
    /// Returns its `i32` parameter as the status.
    exit: Block,
    frontend: TargetFrontendConfig,
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl<'a> FunctionTranslator<'a> {
    /// Set up the entry block of `fn(ctx: *mut JitCtx) -> u32`.
    pub(crate) fn new(
        mut b: FunctionBuilder<'a>,
        frontend: TargetFrontendConfig,
        call_conv: CallConv,
        program: &'a Program,
        code: &'a [Op],
        sites: &'a Sites,
    ) -> Self {
        let ptr = frontend.pointer_type();
        let sig = |params: &[Type], ret: Type| {
            let mut s = Signature::new(call_conv);
            s.params.extend(params.iter().map(|t| AbiParam::new(*t)));
            s.returns.push(AbiParam::new(ret));
            s
        };
        let sigs = HelperSigs {
            call: b.import_signature(sig(&[ptr, ptr, ptr, ptr], types::I32)),
            binary: b.import_signature(sig(&[ptr, ptr, ptr, ptr, ptr], types::I32)),
            str_cmp: b.import_signature(sig(&[ptr, ptr], types::I32)),
            regex_match: b.import_signature(sig(&[ptr, ptr], types::I32)),
        };
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let ctx = b.block_params(entry)[0];
        let slots = b.ins().load(ptr, flags(), ctx, abi::CTX_SLOTS);
        let fails = code
            .iter()
            .any(|op| matches!(op, Op::Check(_)))
            .then(|| b.ins().load(ptr, flags(), ctx, abi::CTX_FAILS));
        let exit = b.create_block();
        b.append_block_param(exit, types::I32);
        FunctionTranslator {
            b,
            ptr,
            ctx,
            slots,
            fails,
            program,
            code,
            sites,
            sigs,
            stack: Vec::new(),
            targets: HashMap::new(),
            exit,
            frontend,
        }
    }

    /// Translate the whole program and finish the function.
    pub(crate) fn translate(mut self) -> Result<(), JitError> {
        let code = self.code;
        for (pc, op) in code.iter().enumerate() {
            self.translate_target(pc)?;
            match *op {
                Op::Const(i) => self.translate_const(i)?,
                Op::Ref(i) => self.translate_ref(i)?,
                Op::Neg => self.translate_neg()?,
                Op::Not => self.translate_not()?,
                Op::AndJump(t) | Op::OrJump(t) if t as usize <= pc || t as usize > code.len() => {
                    // The lowering only jumps forward, to an instruction or the end.
                    return Err(JitError::Unsupported("jump target"));
                }
                Op::AndJump(t) => self.translate_jump(false, t as usize)?,
                Op::OrJump(t) => self.translate_jump(true, t as usize)?,
                Op::Call { .. } | Op::CallState { .. } => self.translate_call(pc)?,
                Op::Check(i) => self.translate_check(i)?,
                op => self.translate_binary(pc, op)?,
            }
        }
        self.translate_target(code.len())?;
        self.translate_return()?;
        self.b.seal_all_blocks();
        self.b.finalize(self.frontend);
        Ok(())
    }

    fn pop(&mut self) -> Result<JVal, JitError> {
        self.stack.pop().ok_or(JitError::StackUnderflow)
    }

    /// Where an AND/OR jump lands: the fall-through path joins with the top
    /// of the stack (the deciding bool).
    fn translate_target(&mut self, pc: usize) -> Result<(), JitError> {
        if let Some(&block) = self.targets.get(&pc) {
            let top = self.pop()?;
            let v = self.unpack(top, VType::Bool);
            self.b.ins().jump(block, &[BlockArg::Value(v)]);
            self.b.switch_to_block(block);
            let p = self.b.block_params(block)[0];
            self.stack.push(JVal::Known(VType::Bool, p));
        }
        Ok(())
    }

    /// Leave with `status::CHECK + i` if check site `i` fails for the
    /// current reference types.
    fn translate_check(&mut self, i: u16) -> Result<(), JitError> {
        let fails = self
            .fails
            .ok_or(JitError::Unsupported("check without fails"))?;
        let flag = self.b.ins().load(types::I8, flags(), fails, i32::from(i));
        let code = self
            .b
            .ins()
            .iconst(types::I32, (status::CHECK + u32::from(i)) as i64);
        let cont = self.b.create_block();
        self.b
            .ins()
            .brif(flag, self.exit, &[BlockArg::Value(code)], cont, &[]);
        self.b.switch_to_block(cont);
        Ok(())
    }

    fn translate_const(&mut self, i: u32) -> Result<(), JitError> {
        let c = self
            .program
            .consts
            .get(i as usize)
            .ok_or(JitError::BadIndex("constant"))?;
        let ins = self.b.ins();
        let v = match c {
            Value::Float(f) => JVal::Known(VType::Float, ins.f64const(*f)),
            Value::Int(n) | Value::Duration(n) | Value::Time(n) => {
                JVal::Known(c.vtype(), ins.iconst(types::I64, *n))
            }
            Value::Bool(x) => JVal::Known(VType::Bool, ins.iconst(types::I8, *x as i64)),
            // Program constants live in the `Arc<Program>` the native lambda
            // keeps alive, so their addresses are stable for its lifetime.
            Value::String(_) | Value::Regex(_) => {
                let raw = RawVal::of(c);
                JVal::Known(c.vtype(), ins.iconst(self.ptr, raw.bits as i64))
            }
            Value::Missing => JVal::Known(VType::Missing, ins.iconst(types::I64, 0)),
        };
        self.stack.push(v);
        Ok(())
    }

    fn translate_ref(&mut self, i: u32) -> Result<(), JitError> {
        let name = self
            .program
            .refs
            .get(i as usize)
            .ok_or(JitError::BadIndex("reference"))?;
        let off = (i * RAW_SIZE) as i32;
        let bits = self
            .b
            .ins()
            .load(types::I64, flags(), self.slots, off + RAW_BITS);
        // `"time"` always resolves to the point time (interp::resolve).
        let v = if name == "time" {
            JVal::Known(VType::Time, bits)
        } else {
            let tag = self
                .b
                .ins()
                .load(types::I64, flags(), self.slots, off + RAW_TAG);
            JVal::Dyn {
                mask: ALL,
                tag,
                bits,
            }
        };
        self.stack.push(v);
        Ok(())
    }

    fn translate_neg(&mut self) -> Result<(), JitError> {
        let v = self.pop()?;
        let cases: Vec<Case> = types_in(v.mask())
            .filter(|t| matches!(t, VType::Int | VType::Float | VType::Duration))
            .map(|t| Case {
                tests: [Some((v, t)), None],
                res: bit(t),
            })
            .collect();
        let r = self.dispatch(&cases, |tr, case| {
            let t = case.ty(0)?;
            let x = tr.unpack(v, t);
            let y = match t {
                VType::Float => tr.b.ins().fneg(x),
                // Checked like `ops::duration::neg`: i64::MIN has no negation.
                VType::Duration => {
                    let min = tr.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                    let cont = tr.b.create_block();
                    let code =
                        tr.b.ins()
                            .iconst(types::I32, status::DURATION_OVERFLOW as i64);
                    tr.b.ins()
                        .brif(min, tr.exit, &[BlockArg::Value(code)], cont, &[]);
                    tr.b.switch_to_block(cont);
                    tr.b.ins().ineg(x)
                }
                _ => tr.b.ins().ineg(x),
            };
            Ok(JVal::Known(t, y))
        })?;
        self.stack.push(r);
        Ok(())
    }

    fn translate_not(&mut self) -> Result<(), JitError> {
        let v = self.pop()?;
        let cases: Vec<Case> = types_in(v.mask())
            .filter(|t| *t == VType::Bool)
            .map(|t| Case {
                tests: [Some((v, t)), None],
                res: bit(t),
            })
            .collect();
        let r = self.dispatch(&cases, |tr, _| {
            let x = tr.unpack(v, VType::Bool);
            Ok(JVal::Known(VType::Bool, tr.b.ins().bxor_imm_u(x, 1)))
        })?;
        self.stack.push(r);
        Ok(())
    }

    /// `AND` (`decide` false) / `OR` (`decide` true): when the top equals
    /// `decide`, keep it and jump to `target`; else pop it and go on.
    fn translate_jump(&mut self, decide: bool, target: usize) -> Result<(), JitError> {
        let top = self.pop()?;
        let v = self.unpack(top, VType::Bool);
        let block = match self.targets.get(&target) {
            Some(b) => *b,
            None => {
                let b = self.b.create_block();
                self.b.append_block_param(b, types::I8);
                self.targets.insert(target, b);
                b
            }
        };
        let cont = self.b.create_block();
        let args = [BlockArg::Value(v)];
        if decide {
            self.b.ins().brif(v, block, &args, cont, &[]);
        } else {
            self.b.ins().brif(v, cont, &[], block, &args);
        }
        self.b.switch_to_block(cont);
        Ok(())
    }

    fn translate_binary(&mut self, pc: usize, op: Op) -> Result<(), JitError> {
        let bop = binary_op(op).ok_or(JitError::Unsupported("bytecode op"))?;
        let r = self.pop()?;
        let l = self.pop()?;
        // Inline combinations each get a tested branch; all the others share
        // one catch-all call of the generic helper, last.
        let mut cases = Vec::new();
        let mut helper_res: Mask = 0;
        for lt in types_in(l.mask()) {
            for rt in types_in(r.mask()) {
                if let Some(res) = binary_result(bop, lt, rt) {
                    if is_inline(bop, lt, rt) {
                        cases.push(Case {
                            tests: [Some((l, lt)), Some((r, rt))],
                            res: bit(res),
                        });
                    } else {
                        helper_res |= bit(res);
                    }
                }
            }
        }
        if helper_res != 0 {
            cases.push(Case {
                tests: [None, None],
                res: helper_res,
            });
        }
        let site = self.sites.index[pc] as usize;
        let v = self.dispatch(&cases, |tr, case| match case.tests {
            [Some((_, lt)), Some((_, rt))] => {
                let res = only(case.res).ok_or(JitError::Unsupported("inline case"))?;
                let v = tr.translate_binary_case(bop, lt, rt, l, r)?;
                Ok(JVal::Known(res, v))
            }
            _ => tr.call_binary_helper(l, r, case.res, site),
        })?;
        self.stack.push(v);
        Ok(())
    }

    /// One inline operand-type combination of a binary operator (`is_inline`).
    fn translate_binary_case(
        &mut self,
        op: BinaryOp,
        lt: VType,
        rt: VType,
        l: JVal,
        r: JVal,
    ) -> Result<CValue, JitError> {
        use BinaryOp as B;
        use VType::*;
        let cmp = matches!(op, B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge);
        match (lt, rt) {
            (Float, Float) | (Int, Float) | (Float, Int) if cmp => {
                let a = self.unpack_float(l, lt);
                let b = self.unpack_float(r, rt);
                Ok(self.b.ins().fcmp(float_cc(op)?, a, b))
            }
            (Int, Int) | (Duration, Duration) | (Bool, Bool) if cmp => {
                let a = self.unpack(l, lt);
                let b = self.unpack(r, rt);
                Ok(self.b.ins().icmp(int_cc(op)?, a, b))
            }
            (String, String) if cmp => {
                let a = self.unpack(l, lt);
                let b = self.unpack(r, rt);
                let f = self.helper_addr(helpers::jit_str_cmp as *const u8);
                let call = self.b.ins().call_indirect(self.sigs.str_cmp, f, &[a, b]);
                let ord = self.b.inst_results(call)[0];
                Ok(self.b.ins().icmp_imm_s(int_cc(op)?, ord, 0))
            }
            (String, Regex) if matches!(op, B::RegexMatch | B::RegexNotMatch) => {
                let a = self.unpack(l, lt);
                let b = self.unpack(r, rt);
                let f = self.helper_addr(helpers::jit_regex_match as *const u8);
                let call = self
                    .b
                    .ins()
                    .call_indirect(self.sigs.regex_match, f, &[a, b]);
                let m = self.b.inst_results(call)[0];
                let cc = if op == B::RegexMatch {
                    IntCC::NotEqual
                } else {
                    IntCC::Equal
                };
                Ok(self.b.ins().icmp_imm_s(cc, m, 0))
            }
            (Float, Float) => {
                let a = self.unpack(l, lt);
                let b = self.unpack(r, rt);
                let ins = self.b.ins();
                Ok(match op {
                    B::Add => ins.fadd(a, b),
                    B::Sub => ins.fsub(a, b),
                    B::Mul => ins.fmul(a, b),
                    B::Div => ins.fdiv(a, b),
                    _ => return Err(JitError::Unsupported("float operator")),
                })
            }
            (Int, Int) if matches!(op, B::Add | B::Sub | B::Mul) => {
                let a = self.unpack(l, lt);
                let b = self.unpack(r, rt);
                let ins = self.b.ins();
                Ok(match op {
                    B::Add => ins.iadd(a, b),
                    B::Sub => ins.isub(a, b),
                    _ => ins.imul(a, b),
                })
            }
            (Int, Int) if matches!(op, B::Div | B::Mod) => {
                let a = self.unpack(l, lt);
                let b = self.unpack(r, rt);
                Ok(self.int_div(op == B::Mod, a, b))
            }
            _ => Err(JitError::Unsupported("operand combination is not inline")),
        }
    }

    /// Go integer division: `/0` and `%0` are errors, `MIN / -1` wraps and
    /// `x % -1` is 0 (Cranelift's `sdiv`/`srem` would trap on those).
    fn int_div(&mut self, rem: bool, a: CValue, b: CValue) -> CValue {
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
        let cont = self.b.create_block();
        let code = self
            .b
            .ins()
            .iconst(types::I32, status::DIVIDE_BY_ZERO as i64);
        self.b
            .ins()
            .brif(zero, self.exit, &[BlockArg::Value(code)], cont, &[]);
        self.b.switch_to_block(cont);
        let ins = self.b.ins();
        let minus_one = ins.icmp_imm_s(IntCC::Equal, b, -1);
        let one = self.b.ins().iconst(types::I64, 1);
        let d = self.b.ins().select(minus_one, one, b);
        if rem {
            let r = self.b.ins().srem(a, d);
            let z = self.b.ins().iconst(types::I64, 0);
            self.b.ins().select(minus_one, z, r)
        } else {
            let q = self.b.ins().sdiv(a, d);
            let n = self.b.ins().ineg(a);
            self.b.ins().select(minus_one, n, q)
        }
    }

    /// Evaluate through `ops::binary` (via `jit_binary`); `res` is the
    /// set of types it may return here.
    fn call_binary_helper(
        &mut self,
        l: JVal,
        r: JVal,
        res: Mask,
        site: usize,
    ) -> Result<JVal, JitError> {
        let site_ptr = self
            .sites
            .bins
            .get(site)
            .ok_or(JitError::BadIndex("binary site"))? as *const BinSite;
        let slot = self.stack_slot(3);
        self.spill(l, slot, 0);
        self.spill(r, slot, RAW_SIZE as i32);
        let lp = self.b.ins().stack_addr(self.ptr, slot, 0);
        let rp = self.b.ins().stack_addr(self.ptr, slot, RAW_SIZE as i32);
        let op = self.b.ins().stack_addr(self.ptr, slot, 2 * RAW_SIZE as i32);
        let sp = self.b.ins().iconst(self.ptr, site_ptr as usize as i64);
        let f = self.helper_addr(helpers::jit_binary as *const u8);
        let call = self
            .b
            .ins()
            .call_indirect(self.sigs.binary, f, &[self.ctx, sp, lp, rp, op]);
        let st = self.b.inst_results(call)[0];
        self.check_status(st);
        let out = 2 * RAW_SIZE as i32;
        let bits = self
            .b
            .ins()
            .stack_load(self.ptr, types::I64, slot, out + RAW_BITS);
        Ok(match only(res) {
            Some(t) => JVal::Known(t, self.typed_bits(t, bits)),
            None => {
                let tag = self
                    .b
                    .ins()
                    .stack_load(self.ptr, types::I64, slot, out + RAW_TAG);
                JVal::Dyn {
                    mask: res,
                    tag,
                    bits,
                }
            }
        })
    }

    fn translate_call(&mut self, pc: usize) -> Result<(), JitError> {
        let site = self
            .sites
            .calls
            .get(self.sites.index[pc] as usize)
            .ok_or(JitError::BadIndex("call site"))?;
        let argc = site.argc as usize;
        if self.stack.len() < argc {
            return Err(JitError::StackUnderflow);
        }
        let args = self.stack.split_off(self.stack.len() - argc);
        let slot = self.stack_slot(argc as u32 + 1);
        for (i, a) in args.iter().enumerate() {
            self.spill(*a, slot, (i as u32 * RAW_SIZE) as i32);
        }
        let out_off = (argc as u32 * RAW_SIZE) as i32;
        let ap = self.b.ins().stack_addr(self.ptr, slot, 0);
        let op = self.b.ins().stack_addr(self.ptr, slot, out_off);
        let sp = self
            .b
            .ins()
            .iconst(self.ptr, site as *const CallSite as usize as i64);
        let f = self.helper_addr(helpers::jit_call as *const u8);
        let call = self
            .b
            .ins()
            .call_indirect(self.sigs.call, f, &[self.ctx, sp, ap, op]);
        let st = self.b.inst_results(call)[0];
        self.check_status(st);
        let bits = self
            .b
            .ins()
            .stack_load(self.ptr, types::I64, slot, out_off + RAW_BITS);
        let v = match call_result_type(site.func, &args) {
            Ok(t) => JVal::Known(t, self.typed_bits(t, bits)),
            Err(mask) => {
                let tag = self
                    .b
                    .ins()
                    .stack_load(self.ptr, types::I64, slot, out_off + RAW_TAG);
                JVal::Dyn { mask, tag, bits }
            }
        };
        self.stack.push(v);
        Ok(())
    }

    /// Store the single remaining value in `ctx.out` and return OK.
    fn translate_return(&mut self) -> Result<(), JitError> {
        let v = self.pop()?;
        if !self.stack.is_empty() {
            return Err(JitError::Unsupported("values left on the stack"));
        }
        let (tag, bits) = self.pack(v);
        self.b
            .ins()
            .store(flags(), tag, self.ctx, abi::CTX_OUT + RAW_TAG);
        self.b
            .ins()
            .store(flags(), bits, self.ctx, abi::CTX_OUT + RAW_BITS);
        let ok = self.b.ins().iconst(types::I32, status::OK as i64);
        self.b.ins().return_(&[ok]);
        self.b.switch_to_block(self.exit);
        let st = self.b.block_params(self.exit)[0];
        self.b.ins().return_(&[st]);
        Ok(())
    }

    /// Branch on the operand types over `cases` (each guaranteed valid by the
    /// type check), emit each with `emit`, and merge the results.
    fn dispatch(
        &mut self,
        cases: &[Case],
        mut emit: impl FnMut(&mut Self, &Case) -> Result<JVal, JitError>,
    ) -> Result<JVal, JitError> {
        match cases {
            [] => {
                // No combination can pass the type check, so this code is
                // never reached; report an internal error if it ever is and
                // continue translating in an unreachable block.
                let code = self.b.ins().iconst(types::I32, status::IMPOSSIBLE as i64);
                self.b.ins().jump(self.exit, &[BlockArg::Value(code)]);
                let dead = self.b.create_block();
                self.b.switch_to_block(dead);
                let z = self.b.ins().iconst(types::I64, 0);
                Ok(JVal::Known(VType::Missing, z))
            }
            [case] => emit(self, case),
            _ => {
                let merge = self.b.create_block();
                self.b.append_block_param(merge, types::I64);
                self.b.append_block_param(merge, types::I64);
                let last = cases.len() - 1;
                for (k, case) in cases.iter().enumerate() {
                    if k < last {
                        let cond = self.case_test(case);
                        let yes = self.b.create_block();
                        let no = self.b.create_block();
                        match cond {
                            Some(c) => {
                                self.b.ins().brif(c, yes, &[], no, &[]);
                            }
                            None => {
                                self.b.ins().jump(yes, &[]);
                            }
                        }
                        self.b.switch_to_block(yes);
                        self.emit_case(case, merge, &mut emit)?;
                        self.b.switch_to_block(no);
                    } else {
                        self.emit_case(case, merge, &mut emit)?;
                    }
                }
                self.b.switch_to_block(merge);
                let tag = self.b.block_params(merge)[0];
                let bits = self.b.block_params(merge)[1];
                let mask = cases.iter().fold(0, |m, c| m | c.res);
                match only(mask) {
                    Some(t) => Ok(JVal::Known(t, self.typed_bits(t, bits))),
                    None => Ok(JVal::Dyn { mask, tag, bits }),
                }
            }
        }
    }

    fn emit_case(
        &mut self,
        case: &Case,
        merge: Block,
        emit: &mut impl FnMut(&mut Self, &Case) -> Result<JVal, JitError>,
    ) -> Result<(), JitError> {
        let v = emit(self, case)?;
        let (tag, bits) = self.pack(v);
        self.b
            .ins()
            .jump(merge, &[BlockArg::Value(tag), BlockArg::Value(bits)]);
        Ok(())
    }

    /// The condition selecting `case` (`None`: no dynamic operand to test).
    fn case_test(&mut self, case: &Case) -> Option<CValue> {
        let mut cond: Option<CValue> = None;
        for (v, t) in case.tests.iter().flatten() {
            if let JVal::Dyn { tag, .. } = v {
                let c = self.b.ins().icmp_imm_s(IntCC::Equal, *tag, *t as i64);
                cond = Some(match cond {
                    Some(prev) => self.b.ins().band(prev, c),
                    None => c,
                });
            }
        }
        cond
    }

    /// The value in its natural machine form, given its run-time type.
    fn unpack(&mut self, v: JVal, t: VType) -> CValue {
        match v {
            JVal::Known(kt, x) if kt == t => x,
            // Only in code after an impossible combination (never run): any
            // value of the right machine type keeps the IR well-typed.
            JVal::Known(..) => {
                let z = self.b.ins().iconst(types::I64, 0);
                self.typed_bits(t, z)
            }
            JVal::Dyn { bits, .. } => self.typed_bits(t, bits),
        }
    }

    /// An int or float operand as f64 (comparisons convert ints like Go's `float64(i)`).
    fn unpack_float(&mut self, v: JVal, t: VType) -> CValue {
        let x = self.unpack(v, t);
        if t == VType::Int {
            self.b.ins().fcvt_from_sint(types::F64, x)
        } else {
            x
        }
    }

    fn typed_bits(&mut self, t: VType, bits: CValue) -> CValue {
        match t {
            VType::Float => self.b.ins().bitcast(types::F64, MemFlagsData::new(), bits),
            VType::Bool => self.b.ins().ireduce(types::I8, bits),
            _ => bits,
        }
    }

    /// (tag, bits) as two i64s.
    fn pack(&mut self, v: JVal) -> (CValue, CValue) {
        match v {
            JVal::Dyn { tag, bits, .. } => (tag, bits),
            JVal::Known(t, x) => {
                let tag = self.b.ins().iconst(types::I64, t as i64);
                let bits = match t {
                    VType::Float => self.b.ins().bitcast(types::I64, MemFlagsData::new(), x),
                    VType::Bool => self.b.ins().uextend(types::I64, x),
                    _ => x,
                };
                (tag, bits)
            }
        }
    }

    fn stack_slot(&mut self, raw_vals: u32) -> StackSlot {
        self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            raw_vals * RAW_SIZE,
            3,
        ))
    }

    fn spill(&mut self, v: JVal, slot: StackSlot, off: i32) {
        let (tag, bits) = self.pack(v);
        self.b.ins().stack_store(self.ptr, tag, slot, off + RAW_TAG);
        self.b
            .ins()
            .stack_store(self.ptr, bits, slot, off + RAW_BITS);
    }

    fn helper_addr(&mut self, f: *const u8) -> CValue {
        self.b.ins().iconst(self.ptr, f as usize as i64)
    }

    /// Leave through the exit block unless the helper returned OK.
    fn check_status(&mut self, st: CValue) {
        let cont = self.b.create_block();
        self.b
            .ins()
            .brif(st, self.exit, &[BlockArg::Value(st)], cont, &[]);
        self.b.switch_to_block(cont);
    }
}

/// One branch of a type dispatch: the (operand, type) tests selecting it
/// (none for the last, catch-all branch) and the result types it may produce.
struct Case {
    tests: [Option<(JVal, VType)>; 2],
    res: Mask,
}

impl Case {
    /// The type tested for operand `i`.
    fn ty(&self, i: usize) -> Result<VType, JitError> {
        self.tests[i]
            .map(|(_, t)| t)
            .ok_or(JitError::Unsupported("dispatch case shape"))
    }
}

/// The single type of a one-bit mask.
fn only(mask: Mask) -> Option<VType> {
    let mut it = types_in(mask);
    match (it.next(), it.next()) {
        (Some(t), None) => Some(t),
        _ => None,
    }
}

/// The combinations `translate_binary_case` emits inline; the rest (string
/// concatenation, duration arithmetic, whose overflow is an error with the
/// operands in its message) go to `ops::binary`.
fn is_inline(op: BinaryOp, lt: VType, rt: VType) -> bool {
    use BinaryOp as B;
    use VType::*;
    let cmp = matches!(op, B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge);
    match (lt, rt) {
        (Float | Int, Float | Int) | (Duration, Duration) | (Bool, Bool) | (String, String)
            if cmp =>
        {
            true
        }
        (String, Regex) => matches!(op, B::RegexMatch | B::RegexNotMatch),
        (Float, Float) => matches!(op, B::Add | B::Sub | B::Mul | B::Div),
        (Int, Int) => matches!(op, B::Add | B::Sub | B::Mul | B::Div | B::Mod),
        _ => false,
    }
}

fn float_cc(op: BinaryOp) -> Result<FloatCC, JitError> {
    // Go: every comparison with NaN is false except `!=`; Cranelift's
    // ordered predicates and its unordered-or-not-equal `NotEqual` match.
    Ok(match op {
        BinaryOp::Eq => FloatCC::Equal,
        BinaryOp::Ne => FloatCC::NotEqual,
        BinaryOp::Lt => FloatCC::LessThan,
        BinaryOp::Le => FloatCC::LessThanOrEqual,
        BinaryOp::Gt => FloatCC::GreaterThan,
        BinaryOp::Ge => FloatCC::GreaterThanOrEqual,
        _ => return Err(JitError::Unsupported("float comparison")),
    })
}

fn int_cc(op: BinaryOp) -> Result<IntCC, JitError> {
    Ok(match op {
        BinaryOp::Eq => IntCC::Equal,
        BinaryOp::Ne => IntCC::NotEqual,
        BinaryOp::Lt => IntCC::SignedLessThan,
        BinaryOp::Le => IntCC::SignedLessThanOrEqual,
        BinaryOp::Gt => IntCC::SignedGreaterThan,
        BinaryOp::Ge => IntCC::SignedGreaterThanOrEqual,
        _ => return Err(JitError::Unsupported("integer comparison")),
    })
}

/// The result type of a call if it is fixed, else the mask of possible types.
fn call_result_type(func: Builtin, args: &[JVal]) -> Result<VType, Mask> {
    if func == Builtin::If {
        // `if(c, a, b)`: the type of `a` (the type check made `b` match).
        return match args.get(1) {
            Some(JVal::Known(t, _)) => Ok(*t),
            Some(v) => Err(v.mask()),
            None => Err(ALL),
        };
    }
    let sigs = func.spec().signatures;
    match sigs.first().and_then(|s| VType::of_type(s.ret)) {
        Some(t) if sigs.iter().all(|s| VType::of_type(s.ret) == Some(t)) => Ok(t),
        _ => Err(ALL),
    }
}
