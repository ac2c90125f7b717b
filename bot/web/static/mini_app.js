// The Mini App's login: send Telegram's signed initData to the server, then open the dashboard.
// Telegram hands initData to telegram-web-app.js; the same string is in the URL fragment as
// tgWebAppData, which is read when the script is not there (a browser test, an old client).
(function () {
  "use strict";
  var status = document.getElementById("mini-app-status");
  function initData() {
    var app = window.Telegram && window.Telegram.WebApp;
    if (app && app.initData) {
      if (app.ready) { app.ready(); }
      return app.initData;
    }
    var hash = new URLSearchParams(window.location.hash.slice(1));
    return hash.get("tgWebAppData") || "";
  }
  var body = new URLSearchParams();
  body.set("init_data", initData());
  body.set("csrftoken", status.dataset.csrf);
  fetch("/staff/app/login", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: body.toString()
  }).then(function (response) {
    return response.json().then(function (answer) {
      if (response.ok && answer.ok) {
        window.location.replace(answer.next);
      } else {
        status.textContent = status.dataset.failed;
        status.id = "mini-app-failed";
      }
    });
  }).catch(function () {
    status.textContent = status.dataset.failed;
    status.id = "mini-app-failed";
  });
})();
