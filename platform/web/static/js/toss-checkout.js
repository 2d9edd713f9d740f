// Toss Payments' checkout (modules/commerce): the pay button opens Toss's
// payment window through its browser SDK (loaded by the page from Toss),
// which returns the payer to the success or fail URL. Without the SDK (it
// did not load), the page says so.
(() => {
  "use strict";
  const box = document.getElementById("toss-checkout");
  const button = document.getElementById("toss-pay");
  const problem = document.getElementById("toss-problem");
  if (!box || !button) {
    return;
  }
  const d = box.dataset;
  const fail = () => {
    if (problem) {
      problem.hidden = false;
    }
    button.disabled = false;
  };
  button.addEventListener("click", async () => {
    if (typeof window.TossPayments !== "function") {
      fail();
      return;
    }
    button.disabled = true;
    try {
      const toss = window.TossPayments(d.clientKey);
      const payment = toss.payment({ customerKey: window.TossPayments.ANONYMOUS });
      await payment.requestPayment({
        method: "CARD",
        amount: { currency: "KRW", value: Number(d.amount) },
        orderId: d.orderId,
        orderName: d.orderName,
        successUrl: d.successUrl,
        failUrl: d.failUrl,
      });
    } catch (e) {
      fail();
    }
  });
})();
