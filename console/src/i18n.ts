/** Chinese (zh-CN) and English; the browser's language chooses, the header switches. */
import { createI18n } from "vue-i18n";
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
