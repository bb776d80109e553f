/** Words of the commission screen (statements, payouts, closing a month), in English and Chinese. */
export const commissionEn = {
  commission: {
    nav: "Commission", title: "Commission", currency: "Currency", month: "Month", person: "Whose", me: "Me",
    status: "Month status", open: "open", closed: "closed", lines: "Ledger lines", totals: "Totals",
    kind: "Kind", base: "On", amount: "Commission", note: "From", when: "When",
    accrued: "Accrued", clawedBack: "Clawed back", trueUp: "True-up", net: "Net", paid: "Paid", pending: "Pending",
    earlier: "Unpaid from earlier", payouts: "Payouts", requestPayout: "Request payout of {amount}",
    requested: "Payout of {amount} requested; it now waits for approval.",
    close: "Close {month}", closedNow: "{month} is closed: {reps} statements, {lines} true-up lines.",
    closeFirst: "A payout is requested once the month is closed.", none: "No commission in this month yet.",
    kinds: { accrual: "Accrual", clawback: "Clawback", true_up: "True-up", waived: "Waived" },
    payoutStatus: { pending_approval: "Waiting for approval", approved: "Approved", rejected: "Rejected", paid: "Paid", withdrawn: "Withdrawn" },
  },
};

export const commissionZh: typeof commissionEn = {
  commission: {
    nav: "提成", title: "提成", currency: "币种", month: "月份", person: "人员", me: "我",
    status: "月份状态", open: "未结账", closed: "已结账", lines: "提成明细", totals: "合计",
    kind: "类型", base: "基数", amount: "提成", note: "来源", when: "时间",
    accrued: "计提", clawedBack: "追回", trueUp: "结算调整", net: "净额", paid: "已发放", pending: "待发放",
    earlier: "以前月份未发", payouts: "发放申请", requestPayout: "申请发放 {amount}",
    requested: "已申请发放 {amount}，等待审批。",
    close: "结账 {month}", closedNow: "{month} 已结账：{reps} 份对账单，{lines} 条结算调整。",
    closeFirst: "月份结账后才能申请发放。", none: "本月还没有提成。",
    kinds: { accrual: "计提", clawback: "追回", true_up: "结算调整", waived: "免除" },
    payoutStatus: { pending_approval: "待审批", approved: "已批准", rejected: "已驳回", paid: "已发放", withdrawn: "已撤回" },
  },
};
