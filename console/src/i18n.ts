/** Chinese (zh-CN) and English; the browser's language chooses, the header switches. */
import { createI18n } from "vue-i18n";
import { commissionEn, commissionZh } from "./messages-commission";
import { repEn, repZh } from "./messages-rep";

const en = {
  app: { title: "CRM console", language: "Language", signOut: "Sign out", skip: "Skip to content" },
  nav: { today: "Today", leads: "Leads", customers: "Customers", deals: "Deals", approvals: "Approvals", dashboard: "Dashboard" },
  signIn: {
    title: "Sign in", username: "Username", password: "Password", submit: "Sign in",
    expired: "Your session ended. Sign in again to continue; the page you were on stays as it was.",
  },
  common: {
    more: "Load more", loading: "Loading…", none: "Nothing here.", save: "Save", cancel: "Cancel",
    notAllowed: "You do not have access to this.", notFound: "This was not found, or it is not yours to see.",
    failed: "Something went wrong: {detail}", name: "Name", email: "Email", phone: "Phone", company: "Company",
    status: "Status", owner: "Owner", amount: "Amount", created: "Created", score: "Score", view: "View",
    back: "Back", comment: "Comment", tableView: "Table view", chartView: "Chart view",
  },
  today: {
    title: "Today", tasks: "Tasks due", leads: "Leads to call first", recycle: "Customers about to be recycled",
    due: "Due", deadline: "Recycled on", rule: "Rule",
  },
  leads: {
    title: "Leads", capture: "Capture a lead", captured: "Lead captured.", detail: "Lead",
    reasons: "Why this score", qualify: "Qualify", disqualify: "Disqualify", reason: "Reason",
    qualified: "Qualified: the customer is being created.", disqualified: "Disqualified.", filter: "Status",
    all: "All", customer: "Open the customer",
  },
  customers: {
    title: "Customers", mine: "My book", pool: "Pool", claim: "Claim", claimed: "Claimed: it is yours now.",
    limit: "You may own at most {max} customers.", noLimit: "No ownership limit applies to you.",
    view360: "360° view", contacts: "Contacts", deals: "Deals", tasks: "Open tasks", tier: "Tier",
    newDeal: "New deal", dealName: "Deal name", currency: "Currency", dealCreated: "Deal created.",
    search: "Search", value: "Value", recycleDue: "Recycled on",
  },
  deals: {
    title: "Deals", pipeline: "Pipeline", moveTo: "Move to", win: "Mark won", won: "Won",
    moved: "Moved to {stage}.", closeDate: "Expected close", risk: "Risk",
  },
  approvals: {
    title: "Approvals", approve: "Approve", reject: "Reject", decided: "Decided: {status}.",
    submitted: "Submitted", step: "Step", kind: "Kind", unavailable: "Not answering now: {services}",
  },
  dashboard: {
    title: "Dashboard", funnel: "Sales funnel", forecast: "Forecast", period: "Period", stage: "Stage",
    reached: "Reached", current: "Now in it", conversion: "Conversion to next", winRate: "Win rate",
    closed: "Closed", commit: "Commit", bestCase: "Best case", pipelineAmount: "Pipeline", weighted: "Stage-weighted",
    currency: "Currency", deals: "Deals", team: "Team",
  },
  errors: { forbidden: "This page is not available to your role." },
  ...repEn,
  ...commissionEn,
  mgr: {
    team: "Team", allTeams: "All teams", currency: "Money in", poolWeeks: "Pool: claims and recycles per week",
    poolReasons: "Pool: deals won after a claim, by why the customer was in the pool", week: "Week",
    claims: "Claims", recycles: "Recycles", inPools: "In pools now", medianToClaim: "Median time to claim",
    hours: "{n} h", reason: "Reason", claimsWon: "Claims that won", dealsWon: "Deals won", won: "Won",
    winRate: "Win rate", reasons: {
      new: "New to the pool", released: "Released by the owner", recycled: "Recycled",
      no_followup: "Recycled: no follow-up", no_opportunity: "Recycled: no opportunity", not_won: "Recycled: not won",
    },
    forecastTarget: "Forecast against target", figure: "Figure", target: "Target", ofTarget: "Of target",
    noTarget: "No approved target for this period.", rankings: "Rankings by achievement", rank: "Rank",
    who: "Rep", achievement: "Achievement", gap: "Gap to next", sources: "Lead sources",
    channel: "Channel", captured: "Captured", qualified: "Qualified", campaigns: "Campaign ROI",
    campaign: "Campaign", budget: "Budget", revenue: "Revenue", roi: "ROI", costPerLead: "Cost per lead",
    aging: "Receivables aging", bucket: "Days past due", outstanding: "Outstanding", dso: "DSO",
    buckets: { current: "Not yet due", "0_30": "1–30", "31_60": "31–60", "61_90": "61–90", "90_plus": "Over 90" },
    cash: "Cash forecast", expected: "Expected", low: "Low", high: "High", band: "Band",
    sla: "SLA compliance", policy: "Policy", met: "Met", breached: "Breached", rate: "Rate",
    csat: "CSAT {avg} from {n} ratings", overall: "Overall {rate}", companyWide: "Company-wide (not by team)",
  },
  settings: {
    title: "Team settings", users: "Users", teams: "Teams", pools: "Pools and their rules",
    assignment: "Lead assignment rules", scoring: "Lead scoring rules", pipelines: "Pipelines",
    sla: "SLA policies", calendars: "Business calendars", plans: "Commission plans",
    add: "Add", edit: "Edit", saved: "Saved.", created: "Created.", roles: "Roles", team: "Team",
    password: "Password", username: "Username", active: "Active", manager: "Manager", parent: "Team above",
    openToAll: "Open to every rep", noFollowupDays: "Recycle after days without follow-up",
    dailyClaims: "Claims per rep per day", points: "Points", field: "Field", operator: "Operator",
    value: "Value", priority: "Priority", strategy: "Strategy", stages: "Stages (one per line: name, probability %)",
    timezone: "Time zone", hours: "Working hours (Mon–Fri)", firstResponse: "First response (minutes)",
    resolution: "Resolution (minutes)", ticketPriority: "Ticket priority", rate: "Rate %", metric: "Metric",
    validFrom: "Valid from", json: "Definition (JSON)", badJson: "The definition is not valid JSON: {detail}",
    deactivate: "Deactivate", status: "Status",
  },
  myLimit: {
    owned: "You own {owned} of at most {max} customers: {remaining} more may be claimed.",
    full: "You own {owned} of at most {max} customers: release one before claiming.",
    none: "You own {owned} customers; no ownership limit applies to you.",
    daily: "{pool}: {used} of {max} claims today.",
  },
};

const zh: typeof en = {
  app: { title: "CRM 控制台", language: "语言", signOut: "退出登录", skip: "跳到正文" },
  nav: { today: "今日", leads: "线索", customers: "客户", deals: "商机", approvals: "审批", dashboard: "仪表盘" },
  signIn: {
    title: "登录", username: "用户名", password: "密码", submit: "登录",
    expired: "会话已结束。请重新登录以继续；当前页面保持不变。",
  },
  common: {
    more: "加载更多", loading: "加载中…", none: "暂无内容。", save: "保存", cancel: "取消",
    notAllowed: "您无权访问此内容。", notFound: "未找到，或您无权查看。",
    failed: "出错了：{detail}", name: "名称", email: "邮箱", phone: "电话", company: "公司",
    status: "状态", owner: "负责人", amount: "金额", created: "创建时间", score: "评分", view: "查看",
    back: "返回", comment: "意见", tableView: "表格视图", chartView: "图表视图",
  },
  today: {
    title: "今日", tasks: "到期任务", leads: "优先联系的线索", recycle: "即将被回收的客户",
    due: "到期", deadline: "回收时间", rule: "规则",
  },
  leads: {
    title: "线索", capture: "录入线索", captured: "线索已录入。", detail: "线索",
    reasons: "评分原因", qualify: "转为客户", disqualify: "判为无效", reason: "原因",
    qualified: "已转化：正在创建客户。", disqualified: "已判为无效。", filter: "状态",
    all: "全部", customer: "打开客户",
  },
  customers: {
    title: "客户", mine: "我的客户", pool: "公海", claim: "领取", claimed: "已领取：该客户归您了。",
    limit: "您最多可拥有 {max} 个客户。", noLimit: "您没有客户数量上限。",
    view360: "客户 360° 视图", contacts: "联系人", deals: "商机", tasks: "待办任务", tier: "等级",
    newDeal: "新建商机", dealName: "商机名称", currency: "币种", dealCreated: "商机已创建。",
    search: "搜索", value: "价值", recycleDue: "回收时间",
  },
  deals: {
    title: "商机", pipeline: "销售流程", moveTo: "移至", win: "标记赢单", won: "赢单",
    moved: "已移至 {stage}。", closeDate: "预计成交", risk: "风险",
  },
  approvals: {
    title: "审批", approve: "同意", reject: "驳回", decided: "已处理：{status}。",
    submitted: "提交时间", step: "步骤", kind: "类型", unavailable: "暂无响应：{services}",
  },
  dashboard: {
    title: "仪表盘", funnel: "销售漏斗", forecast: "业绩预测", period: "期间", stage: "阶段",
    reached: "到达", current: "当前", conversion: "转化率", winRate: "赢单率",
    closed: "已成交", commit: "承诺", bestCase: "最佳情况", pipelineAmount: "管道", weighted: "阶段加权",
    currency: "币种", deals: "商机数", team: "团队",
  },
  errors: { forbidden: "您的角色无法使用此页面。" },
  ...repZh,
  ...commissionZh,
  mgr: {
    team: "团队", allTeams: "全部团队", currency: "币种", poolWeeks: "公海：每周领取与回收",
    poolReasons: "公海：领取后的赢单（按客户进入公海的原因）", week: "周",
    claims: "领取", recycles: "回收", inPools: "当前公海客户", medianToClaim: "领取耗时中位数",
    hours: "{n} 小时", reason: "原因", claimsWon: "赢单的领取", dealsWon: "赢单数", won: "赢单金额",
    winRate: "赢单率", reasons: {
      new: "新进公海", released: "负责人释放", recycled: "被回收",
      no_followup: "回收：未跟进", no_opportunity: "回收：无商机", not_won: "回收：未成交",
    },
    forecastTarget: "业绩预测与目标", figure: "指标", target: "目标", ofTarget: "目标完成度",
    noTarget: "本期没有已批准的目标。", rankings: "目标达成排行", rank: "名次",
    who: "销售", achievement: "达成率", gap: "与上一名差距", sources: "线索来源",
    channel: "渠道", captured: "录入", qualified: "转化", campaigns: "市场活动 ROI",
    campaign: "活动", budget: "预算", revenue: "收入", roi: "ROI", costPerLead: "单条线索成本",
    aging: "应收账龄", bucket: "逾期天数", outstanding: "未收", dso: "DSO",
    buckets: { current: "未到期", "0_30": "1–30 天", "31_60": "31–60 天", "61_90": "61–90 天", "90_plus": "90 天以上" },
    cash: "回款预测", expected: "预计", low: "下限", high: "上限", band: "区间",
    sla: "SLA 达标率", policy: "策略", met: "达标", breached: "违约", rate: "达标率",
    csat: "满意度 {avg}（{n} 个评分）", overall: "总体 {rate}", companyWide: "全公司（不按团队）",
  },
  settings: {
    title: "团队设置", users: "用户", teams: "团队", pools: "公海及规则",
    assignment: "线索分配规则", scoring: "线索评分规则", pipelines: "销售流程",
    sla: "SLA 策略", calendars: "工作日历", plans: "提成方案",
    add: "新增", edit: "编辑", saved: "已保存。", created: "已创建。", roles: "角色", team: "团队",
    password: "密码", username: "用户名", active: "启用", manager: "主管", parent: "上级团队",
    openToAll: "对所有销售开放", noFollowupDays: "未跟进多少天后回收",
    dailyClaims: "每人每天可领取数", points: "分值", field: "字段", operator: "运算符",
    value: "值", priority: "优先级", strategy: "分配方式", stages: "阶段（每行一个：名称, 赢率 %）",
    timezone: "时区", hours: "工作时间（周一至周五）", firstResponse: "首次响应（分钟）",
    resolution: "解决时限（分钟）", ticketPriority: "工单优先级", rate: "比例 %", metric: "指标",
    validFrom: "生效日期", json: "定义（JSON）", badJson: "定义不是有效的 JSON：{detail}",
    deactivate: "停用", status: "状态",
  },
  myLimit: {
    owned: "您已拥有 {owned} 个客户，上限 {max} 个：还可领取 {remaining} 个。",
    full: "您已拥有 {owned} 个客户，已达上限 {max} 个：请先释放客户再领取。",
    none: "您拥有 {owned} 个客户；没有数量上限。",
    daily: "{pool}：今日已领取 {used} / {max}。",
  },
};

export const LOCALES = [
  { code: "zh-CN", label: "中文" },
  { code: "en", label: "English" },
] as const;

/** The first of the browser's languages that the console speaks. */
export function browserLocale(languages: readonly string[] = navigator.languages ?? [navigator.language]): string {
  for (const language of languages) {
    if (language.toLowerCase().startsWith("zh")) return "zh-CN";
    if (language.toLowerCase().startsWith("en")) return "en";
  }
  return "en";
}

const LOCALE_KEY = "crm.console.locale"; // a preference, not a secret

export function savedLocale(): string {
  try {
    return localStorage.getItem(LOCALE_KEY) || browserLocale();
  } catch {
    return browserLocale();
  }
}

export function saveLocale(code: string): void {
  try {
    localStorage.setItem(LOCALE_KEY, code);
  } catch {
    /* private mode: the choice lasts this page only */
  }
  document.documentElement.lang = code;
}

export function makeI18n(locale = savedLocale()) {
  return createI18n({ legacy: false, locale, fallbackLocale: "en", messages: { en, "zh-CN": zh } });
}

export const messages = { en, "zh-CN": zh };
