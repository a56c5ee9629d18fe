/* "Notify me on this phone" on the seller's link page: registers the service worker, subscribes
   with the portal's VAPID key and tells the portal the subscription; or undoes it. The block stays
   hidden where the browser has no Web Push. */
(function () {
  const box = document.querySelector('[data-push]');
  if (!box || !('serviceWorker' in navigator) || !('PushManager' in window) || !window.Notification) return;
  const on = box.querySelector('[data-push-on]');
  const off = box.querySelector('[data-push-off]');
  const status = box.querySelector('[data-push-status]');

  function keyBytes(base64url) {
    const base64 = (base64url + '='.repeat((4 - base64url.length % 4) % 4)).replace(/-/g, '+').replace(/_/g, '/');
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrftoken': box.dataset.csrf },
      body: JSON.stringify(body),
    }).then((response) => { if (!response.ok) throw new Error('HTTP ' + response.status); return response; });
  }

  function show(subscribed, message) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    status.textContent = message || '';
  }

  const ready = navigator.serviceWorker.register(box.dataset.worker, { scope: box.dataset.scope })
    .then(() => navigator.serviceWorker.ready);

  on.addEventListener('click', () => {
    on.disabled = true;
    Notification.requestPermission().then((permission) => {
      if (permission !== 'granted') throw new Error('denied');
      return ready;
    }).then((registration) => registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.key),
    })).then((subscription) => post(box.dataset.subscribe, subscription.toJSON()))
      .then(() => show(true, box.dataset.on))
      .catch((error) => show(false, error.message === 'denied' ? box.dataset.denied : box.dataset.failed))
      .finally(() => { on.disabled = false; });
  });

  off.addEventListener('click', () => {
    off.disabled = true;
    ready.then((registration) => registration.pushManager.getSubscription()).then((subscription) => {
      if (!subscription) return null;
      const endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(() => post(box.dataset.unsubscribe, { endpoint }).catch(() => null));
    }).then(() => show(false, ''))
      .finally(() => { off.disabled = false; });
  });

  ready.then((registration) => registration.pushManager.getSubscription()).then((subscription) => {
    // tell the portal again: it forgets a subscription the push service once answered 404/410 for
    if (subscription) post(box.dataset.subscribe, subscription.toJSON()).catch(() => null);
    box.hidden = false;
    show(Boolean(subscription), subscription ? box.dataset.on : '');
  }).catch(() => { box.hidden = true; });
}());
