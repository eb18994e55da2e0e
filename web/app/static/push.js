// The settings page's opt-in to notifications on this device. The section
// stays hidden unless this browser can do Web Push; every word it shows
// comes from the page (web/i18n).
(function () {
  'use strict';
  var box = document.getElementById('push-optin');
  if (!box || !('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    return;
  }
  var on = box.querySelector('[data-push-on]');
  var off = box.querySelector('[data-push-off]');
  var status = box.querySelector('[data-push-status]');
  var csrf = box.getAttribute('data-csrf');

  function say(name) { status.textContent = box.getAttribute('data-msg-' + name); }
  function show(subscribed) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    say(subscribed ? 'on' : 'off');
  }
  function keyBytes(b64) {
    var s = (b64 + '===='.slice((b64.length + 3) % 4 + 1)).replace(/-/g, '+').replace(/_/g, '/');
    var raw = atob(s);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  function post(path, body) {
    return fetch(path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } });
  }

  var key = '';
  var state = fetch('/settings/push', { credentials: 'same-origin' }).then(function (r) {
    if (!r.ok) { throw new Error('HTTP ' + r.status); }
    return r.json();
  });
  Promise.all([navigator.serviceWorker.register('/sw.js'), state]).then(function (got) {
    var reg = got[0];
    key = got[1].server_key;
    return reg.pushManager.getSubscription().then(function (sub) {
      box.hidden = false;
      show(!!sub && got[1].subscribed);
      on.addEventListener('click', function () {
        Notification.requestPermission().then(function (answer) {
          if (answer !== 'granted') { say('denied'); return null; }
          return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) })
            .then(function (s) { return post('/settings/push', s.toJSON()); })
            .then(function () { show(true); });
        }).catch(function () { say('failed'); });
      });
      off.addEventListener('click', function () {
        reg.pushManager.getSubscription().then(function (s) { return s ? s.unsubscribe() : true; })
          .then(function () { return post('/settings/push/delete'); })
          .then(function () { show(false); })
          .catch(function () { say('failed'); });
      });
    });
  }).catch(function () { /* no worker or no answer: the section stays hidden */ });
})();
