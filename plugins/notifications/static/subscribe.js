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
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") { say(button.dataset.denied); return; }
      const registration = await navigator.serviceWorker.register(button.dataset.worker, { scope: button.dataset.scope });
      await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(button.dataset.key),
      });
      const response = await fetch(button.dataset.endpoint, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": button.dataset.csrf },
        body: JSON.stringify(subscription.toJSON()),
      });
      say(response.ok ? button.dataset.done : button.dataset.failed);
      if (response.ok) window.location.reload();
    } catch (error) {
      say(button.dataset.failed);
    } finally {
      button.disabled = false;
    }
  });
})();
