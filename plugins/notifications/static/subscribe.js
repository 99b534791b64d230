// «Уведомления»: subscribe this browser to Web Push and hand the subscription to the platform.
(function () {
  const button = document.getElementById("push-subscribe");
  const status = document.getElementById("push-status");
  if (!button) return;
  const say = (text) => { status.textContent = text; };
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    button.disabled = true;
    say(button.dataset.unsupported);
    return;
  }
  const keyBytes = (base64url) => {
    const pad = "=".repeat((4 - (base64url.length % 4)) % 4);
    const raw = atob((base64url + pad).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  // A browser without a reachable push service (no Google services, a closed network, a headless browser)
  // never settles subscribe(): after data-wait seconds the page says so instead of waiting for ever.
  const NO_ANSWER = {};
  const bounded = (promise) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(NO_ANSWER), 1000 * Number(button.dataset.wait || 20));
    promise.then((value) => { clearTimeout(timer); resolve(value); },
                 (error) => { clearTimeout(timer); reject(error); });
  });
  // Hand a subscription (PushSubscription.toJSON()) to the platform, which stores it for this account.
  const store = async (subscription) => {
    const response = await fetch(button.dataset.endpoint, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": button.dataset.csrf },
      body: JSON.stringify(subscription),
    });
    say(response.ok ? button.dataset.done : button.dataset.failed);
    if (response.ok) window.location.reload();
    return response.ok;
  };
  button.addEventListener("click", async () => {
    button.disabled = true;
    say(button.dataset.asking);
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") { say(button.dataset.denied); return; }
      const registration = await navigator.serviceWorker.register(button.dataset.worker, { scope: button.dataset.scope });
      await navigator.serviceWorker.ready;
      const subscription = await bounded(registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(button.dataset.key),
      }));
      if (subscription === NO_ANSWER) { say(button.dataset.noService); return; }
      await store(subscription.toJSON());
    } catch (error) {
      say(button.dataset.failed);
    } finally {
      button.disabled = false;
    }
  });
  window.eschoolPush = { store };  // the step after subscribe(), for a browser test that has no push service
})();
