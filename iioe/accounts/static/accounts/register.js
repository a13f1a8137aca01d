// Send the sign-up code without leaving the page, then count down the 60
// seconds before the server accepts another request. Without this script the
// button submits the form, and the server answers the same way.
(function () {
  "use strict";
  var button = document.querySelector("[data-send-code]");
  if (!button || !window.fetch) return;
  var form = button.form;
  var email = form.querySelector("input[name=email]");
  var status = document.getElementById("code-status");
  var timer = null;

  function countdown(seconds) {
    clearInterval(timer);
    var left = seconds;
    function tick() {
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = button.dataset.label;
        return;
      }
      button.disabled = true;
      button.textContent = button.dataset.labelWait.replace("%(seconds)s", left);
      left -= 1;
    }
    tick();
    timer = setInterval(tick, 1000);
  }

  function showErrors(errors) {
    var field = email.closest(".field");
    var list = field.querySelector(".errorlist");
    if (list) list.remove();
    field.classList.toggle("invalid", !!errors.length);
    if (!errors.length) {
      email.removeAttribute("aria-invalid");
      return;
    }
    list = document.createElement("ul");
    list.className = "errorlist";
    list.id = email.id + "_error";
    errors.forEach(function (message) {
      var item = document.createElement("li");
      item.textContent = message;
      list.appendChild(item);
    });
    status.before(list);
    email.setAttribute("aria-invalid", "true");
    email.setAttribute("aria-describedby", list.id);
    email.focus();
  }

  button.addEventListener("click", function (event) {
    event.preventDefault();
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    body.append("email", email.value);
    button.disabled = true;
    fetch(button.dataset.sendCode, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        showErrors((data.errors && data.errors.email) || []);
        status.textContent = data.message || "";
        if (data.wait) {
          countdown(data.wait);
        } else {
          button.disabled = false;
        }
      })
      .catch(function () {
        // Fall back to an ordinary submission, which works without script.
        button.disabled = false;
        form.requestSubmit(button);
      });
  });

  var wait = parseInt(button.dataset.wait, 10);
  if (wait > 0) countdown(wait);
})();
