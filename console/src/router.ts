/** Screens, each loaded when first opened; a screen the role cannot use is not offered. */
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import { hasRole, session } from "./session";

const SALES = ["rep", "manager", "admin"];
const MANAGERS = ["manager", "admin", "finance"];
const DESK = ["service_agent", "manager", "admin"];

export const routes: RouteRecordRaw[] = [
  { path: "/", redirect: "/today" },
  { path: "/today", name: "today", component: () => import("./views/TodayView.vue"), meta: { roles: SALES, nav: "nav.today" } },
  { path: "/leads", name: "leads", component: () => import("./views/LeadsView.vue"), meta: { roles: SALES, nav: "nav.leads" } },
  { path: "/leads/:id", name: "lead", component: () => import("./views/LeadDetail.vue"), meta: { roles: SALES }, props: true },
  { path: "/customers", name: "customers", component: () => import("./views/CustomersView.vue"), meta: { roles: SALES, nav: "nav.customers" } },
  { path: "/customers/:id", name: "customer", component: () => import("./views/Customer360.vue"), meta: { roles: SALES }, props: true },
  { path: "/deals", name: "deals", component: () => import("./views/KanbanView.vue"), meta: { roles: SALES, nav: "nav.deals" } },
  { path: "/approvals", name: "approvals", component: () => import("./views/ApprovalsView.vue"), meta: { roles: [...MANAGERS, "rep"], nav: "nav.approvals" } },
  { path: "/dashboard", name: "dashboard", component: () => import("./views/DashboardView.vue"), meta: { roles: MANAGERS, nav: "nav.dashboard" } },
  { path: "/settings", name: "settings", component: () => import("./views/SettingsView.vue"), meta: { roles: ["admin"], nav: "settings.title" } },
  { path: "/forbidden", name: "forbidden", component: () => import("./views/ForbiddenView.vue") },
  { path: "/:rest(.*)*", redirect: "/today" },
  // A rep's field and paperwork screens and the agent's desk (matched by rank, not order).
  { path: "/leads/import", name: "lead-import", component: () => import("./views/LeadImportView.vue"), meta: { roles: SALES, nav: "imports.nav" } },
  { path: "/visits", name: "visits", component: () => import("./views/VisitsView.vue"), meta: { roles: SALES, nav: "visits.nav" } },
  { path: "/calendar", name: "calendar", component: () => import("./views/CalendarView.vue"), meta: { roles: SALES, nav: "calendar.nav" } },
  { path: "/quotes", name: "quotes", component: () => import("./views/QuotesView.vue"), meta: { roles: SALES, nav: "quotes.nav" } },
  { path: "/contracts", name: "contracts", component: () => import("./views/ContractsView.vue"), meta: { roles: SALES, nav: "contracts.nav" } },
  { path: "/orders", name: "orders", component: () => import("./views/OrdersView.vue"), meta: { roles: [...SALES, "finance"], nav: "orders.nav" } },
  { path: "/commission", name: "commission", component: () => import("./views/CommissionView.vue"), meta: { roles: [...SALES, "finance"], nav: "commission.nav" } },
  { path: "/desk", name: "desk", component: () => import("./views/DeskView.vue"), meta: { roles: DESK, nav: "desk.nav" } },
  { path: "/desk/:id", name: "ticket", component: () => import("./views/TicketView.vue"), meta: { roles: DESK }, props: true },
];

export function allowed(route: { meta?: { roles?: unknown } }): boolean {
  const roles = route.meta?.roles as string[] | undefined;
  return !roles || hasRole(...roles);
}

export function makeRouter() {
  const router = createRouter({ history: createWebHistory(), routes });
  // Before sign-in the shell shows the sign-in form, whatever the route: the
  // check happens once the user is known (App.vue's signedIn) and on each move.
  router.beforeEach((to) => (!session.user || allowed(to) ? true : { name: "forbidden" }));
  return router;
}
