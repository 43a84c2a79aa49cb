// The page's storage: one IndexedDB object store of keys and values. The
// keys never leave the phone; the browser keeps them per origin.
const DB = "deskdial";
const STORE = "kv";

function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export async function openStore() {
  const open = indexedDB.open(DB, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  const db = await req(open);
  const tx = (mode) => db.transaction(STORE, mode).objectStore(STORE);
  return {
    get: (k) => req(tx("readonly").get(k)),
    set: (k, v) => req(tx("readwrite").put(v, k)),
    del: (k) => req(tx("readwrite").delete(k)),
  };
}
