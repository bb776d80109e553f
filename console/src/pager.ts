/** A list that pages through the API's cursors, one page at a time. */
import { ref, shallowRef } from "vue";
import { ApiError, page } from "./api";

export function usePager<T>(path: string, query: () => Record<string, any> = () => ({}), limit = 20) {
  const items = shallowRef<T[]>([]);
  const next = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);
  const done = ref(false);

  async function load(reset = false): Promise<void> {
    loading.value = true;
    error.value = null;
    if (reset) items.value = []; // a new filter: the old rows are not its answer
    try {
      const answer = await page<T>(path, query(), reset ? null : next.value, limit);
      items.value = reset ? answer.items : [...items.value, ...answer.items];
      next.value = answer.next_cursor;
      done.value = !answer.next_cursor;
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, "Network", String(e));
    } finally {
      loading.value = false;
    }
  }

  return { items, next, loading, error, done, reload: () => load(true), more: () => load(false) };
}
