// Drives the UNMODIFIED ccxt Deribit client (REST and its WebSocket "pro" class) against tradekit's
// simulated exchange. Only configuration is changed: the client's URLs point at the simulator.
//
//   node check.mjs <port> [clientId]
//   env: TRADEKIT_SIM_CLIENT_ID, TRADEKIT_SIM_CLIENT_SECRET (default: the published test account
//        tradekit-sim / tradekit-sim-secret), TRADEKIT_SIM_HOST (default 127.0.0.1)
//
// Prints one JSON line per step ({"step":..., "ok":true, ...}); on the first mismatch prints
// {"step":..., "ok":false, "error":...} and exits 1. Never prints credentials or tokens.
import ccxt from 'ccxt';
import { readFileSync } from 'node:fs';

const port = Number(process.argv[2] ?? process.env.TRADEKIT_SIM_PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node check.mjs <port> [clientId]  (the simulated exchange\'s port)');
  process.exit(2);
}
const host = process.env.TRADEKIT_SIM_HOST ?? '127.0.0.1';
const apiKey = process.argv[3] ?? process.env.TRADEKIT_SIM_CLIENT_ID ?? 'tradekit-sim';
const secret = process.env.TRADEKIT_SIM_CLIENT_SECRET ?? 'tradekit-sim-secret';
/** How long a watch may wait for an update the script has caused (generous: a loaded CI machine). */
const WATCH_TIMEOUT_MS = 5000;

const BTC = 'BTC/USD:BTC';
const SOL = 'SOL/USDC:USDC';

let currentStep = 'setup';

function report(step, details = {}) {
  console.log(JSON.stringify({ step, ok: true, ...details }));
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function summary(order) {
  return {
    id: order.id, symbol: order.symbol, status: order.status, side: order.side, type: order.type,
    price: order.price, amount: order.amount, filled: order.filled, label: order.info?.label,
  };
}

/**
 * Keeps calling watch() (a ccxt pro watch method), as a ccxt user's loop does, and keeps a copy of
 * every update as it arrives (ccxt's cache updates an order in place). until(match, ms) answers the
 * first kept update that matches, waiting for new ones up to ms; undefined if none came.
 */
function collect(watch) {
  const seen = [];
  let failure;
  let wake = () => {};
  (async () => {
    for (;;) {
      try {
        for (const update of await watch()) {
          seen.push({ ...update, info: { ...update.info } });
        }
      } catch (e) {
        failure = e;
        wake();
        return;
      }
      wake();
    }
  })();
  return {
    async until(match, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (failure !== undefined) {
          throw failure;
        }
        const hit = seen.find(match);
        if (hit !== undefined) {
          return hit;
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          return undefined;
        }
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => { clearTimeout(timer); resolve(); };
        });
      }
    },
  };
}

async function step(name, body) {
  currentStep = name;
  const details = await body();
  report(name, details ?? {});
}

const exchange = new ccxt.pro.deribit({ apiKey, secret, enableRateLimit: true, timeout: 10000 });
// Configuration, not a patch: the same keys ccxt documents for a testnet or a proxy.
exchange.urls['api'] = { rest: `http://${host}:${port}`, ws: `ws://${host}:${port}/ws/api/v2` };
/** The installed package's version (ccxt.version, the build's own string, may lag it by one). */
const ccxtPackageVersion = JSON.parse(readFileSync(new URL('./node_modules/ccxt/package.json', import.meta.url), 'utf8')).version;

const runId = Date.now().toString(36);
const label = (name) => `ccxt-${runId}-${name}`;

async function main() {
  report('start', { ccxt: ccxtPackageVersion, ccxtBuild: ccxt.version, node: process.version, rest: exchange.urls.api.rest, ws: exchange.urls.api.ws });

  await step('loadMarkets', async () => {
    const markets = await exchange.loadMarkets();
    const btc = markets[BTC];
    check(btc !== undefined, `no market ${BTC} among ${Object.keys(markets).join(', ')}`);
    check(btc.id === 'BTC-PERPETUAL' && btc.swap && btc.inverse && btc.settle === 'BTC',
      `${BTC} should be the inverse perpetual BTC-PERPETUAL settled in BTC: ${JSON.stringify({ id: btc.id, swap: btc.swap, inverse: btc.inverse, settle: btc.settle })}`);
    const sol = markets[SOL];
    check(sol !== undefined, `no market ${SOL} among ${Object.keys(markets).join(', ')}`);
    check(sol.id === 'SOL_USDC-PERPETUAL' && sol.swap && sol.linear && sol.settle === 'USDC',
      `${SOL} should be the linear perpetual SOL_USDC-PERPETUAL settled in USDC: ${JSON.stringify({ id: sol.id, swap: sol.swap, linear: sol.linear, settle: sol.settle })}`);
    return { symbols: Object.keys(markets).sort() };
  });

  await step('fetchBalance', async () => {
    // Without a code ccxt calls private/get_account_summaries, which the simulator does not serve
    // (not in the spec it follows); with one it calls private/get_account_summary.
    const balance = await exchange.fetchBalance({ code: 'BTC' });
    check(balance.BTC !== undefined && typeof balance.BTC.total === 'number' && balance.BTC.total > 0,
      `fetchBalance should give a positive BTC total: ${JSON.stringify(balance.BTC)}`);
    return { BTC: balance.BTC };
  });

  let lastPrice;
  await step('fetchTrades', async () => {
    const trades = await exchange.fetchTrades(BTC, undefined, 5);
    check(trades.length > 0, `fetchTrades(${BTC}) returned no public trades`);
    lastPrice = trades[trades.length - 1].price;
    check(lastPrice > 0, `public trade price should be positive: ${lastPrice}`);
    return { count: trades.length, lastPrice };
  });

  const restingLabel = label('rest');
  const farPrice = Number(exchange.priceToPrecision(BTC, lastPrice * 0.5));
  let resting;
  await step('createOrder', async () => {
    resting = await exchange.createOrder(BTC, 'limit', 'buy', 10, farPrice, { label: restingLabel, post_only: false });
    check(resting.id !== undefined, 'createOrder returned no order id');
    check(resting.status === 'open', `a limit buy at half the market should rest open, got ${resting.status}`);
    check(resting.info.label === restingLabel, `order label should be ${restingLabel}, got ${resting.info.label}`);
    check(resting.price === farPrice && resting.amount === 10, `order should be 10 @ ${farPrice}: ${JSON.stringify(summary(resting))}`);
    return summary(resting);
  });

  const editedPrice = Number(exchange.priceToPrecision(BTC, farPrice - 100));
  await step('editOrder', async () => {
    const edited = await exchange.editOrder(resting.id, BTC, 'limit', 'buy', 20, editedPrice);
    check(edited.id === resting.id, `edit should keep the order id ${resting.id}, got ${edited.id}`);
    check(edited.price === editedPrice && edited.amount === 20 && edited.status === 'open',
      `edited order should be open 20 @ ${editedPrice}: ${JSON.stringify(summary(edited))}`);
    return summary(edited);
  });

  await step('fetchOrder', async () => {
    const order = await exchange.fetchOrder(resting.id, BTC);
    check(order.status === 'open' && order.price === editedPrice && order.amount === 20 && order.info.label === restingLabel,
      `fetchOrder should show the edited, labelled open order: ${JSON.stringify(summary(order))}`);
    return summary(order);
  });

  await step('fetchOpenOrders', async () => {
    const open = await exchange.fetchOpenOrders(BTC);
    check(open.some((o) => o.id === resting.id), `fetchOpenOrders(${BTC}) should list ${resting.id}: ${JSON.stringify(open.map(summary))}`);
    return { count: open.length };
  });

  await step('cancelOrder', async () => {
    const cancelled = await exchange.cancelOrder(resting.id, BTC);
    check(cancelled.id === resting.id && cancelled.status === 'canceled',
      `cancelOrder should answer the cancelled order: ${JSON.stringify(summary(cancelled))}`);
    const open = await exchange.fetchOpenOrders(BTC);
    check(!open.some((o) => o.id === resting.id), `${resting.id} still listed open after cancelOrder`);
    return summary(cancelled);
  });

  let taker;
  await step('createOrder market', async () => {
    taker = await exchange.createOrder(BTC, 'market', 'buy', 10, undefined, { label: label('taker') });
    check(taker.status === 'closed' && taker.filled === 10,
      `a market buy of 10 should fill completely: ${JSON.stringify(summary(taker))}`);
    check(Array.isArray(taker.trades) && taker.trades.length > 0, 'the market order came back without its trades');
    return { ...summary(taker), trades: taker.trades.length, average: taker.average };
  });

  let linear;
  const position = async (symbol) => (await exchange.fetchPositions()).find((p) => p.symbol === symbol);
  let solBefore;
  await step('createOrder market linear', async () => {
    // The account may be reused (a long-running exchange): compare with its position before.
    solBefore = (await position(SOL))?.contracts ?? 0;
    // SOL_USDC-PERPETUAL is linear: the amount is in SOL (steps of 0.1), fees and P&L in USDC.
    linear = await exchange.createOrder(SOL, 'market', 'buy', 1, undefined, { label: label('linear') });
    check(linear.status === 'closed' && linear.filled === 1,
      `a market buy of 1 SOL should fill completely: ${JSON.stringify(summary(linear))}`);
    check(linear.trades.every((t) => t.fee?.currency === 'USDC'), `linear fills should pay fees in USDC: ${JSON.stringify(linear.trades.map((t) => t.fee))}`);
    return { ...summary(linear), trades: linear.trades.length };
  });

  await step('fetchMyTrades', async () => {
    const trades = await exchange.fetchMyTrades(BTC);
    const mine = trades.filter((t) => t.order === taker.id);
    check(mine.length > 0, `fetchMyTrades(${BTC}) should include the fills of ${taker.id}: ${JSON.stringify(trades.map((t) => t.order))}`);
    const filled = mine.reduce((sum, t) => sum + t.amount, 0);
    check(filled === 10, `fills of ${taker.id} should add up to 10, got ${filled}`);
    check(mine.every((t) => t.side === 'buy' && t.takerOrMaker === 'taker' && t.symbol === BTC),
      `fills should be taker buys in ${BTC}: ${JSON.stringify(mine.map((t) => ({ side: t.side, takerOrMaker: t.takerOrMaker, symbol: t.symbol })))}`);
    return { count: trades.length, ofTaker: mine.length };
  });

  await step('fetchPositions', async () => {
    const positions = await exchange.fetchPositions();
    const btc = positions.find((p) => p.symbol === BTC);
    const sol = positions.find((p) => p.symbol === SOL);
    const solExpected = Number((solBefore + 1).toFixed(8));
    check(sol !== undefined && (solExpected === 0 || sol.side === (solExpected > 0 ? 'long' : 'short')) && sol.contracts === Math.abs(solExpected),
      `fetchPositions should list a ${SOL} position of ${solExpected} (was ${solBefore}, then bought 1): ${JSON.stringify(sol && { side: sol.side, contracts: sol.contracts })}`);
    check(btc !== undefined, `fetchPositions should list ${BTC}: ${JSON.stringify(positions.map((p) => p.symbol))}`);
    check(btc.side === 'long' && btc.contracts > 0, `${BTC} position should be long after the buys: ${JSON.stringify({ side: btc.side, contracts: btc.contracts })}`);
    return [btc, sol].map((p) => ({ symbol: p.symbol, side: p.side, contracts: p.contracts, entryPrice: p.entryPrice }))
      .reduce((o, p) => ({ ...o, [p.symbol]: p }), {});
  });

  // Pro (WebSocket): subscribe first, then cause the updates.
  let orders;
  let myTrades;
  await step('watch subscribe', async () => {
    // ccxt's documented set-up step for a plain ws:// URL (its error message for ws:// asks for it).
    await exchange.loadHttpProxyAgent();
    await exchange.authenticate();
    myTrades = collect(() => exchange.watchMyTrades());
    orders = collect(() => exchange.watchOrders());
    return {};
  });

  await step('watchOrders', async () => {
    const watchLabel = label('watch');
    const order = await exchange.createOrder(BTC, 'limit', 'buy', 10, farPrice, { label: watchLabel, post_only: false });
    let price = farPrice;
    let seen;
    let attempts = 0;
    // The subscription may not be live yet when the first change happens (ccxt exposes no
    // subscribe reply): then the next change (an edit) is the one to see. Each try waits for a
    // real update, never a fixed time.
    for (; attempts < 3 && seen === undefined; attempts++) {
      if (attempts > 0) {
        price -= 10;
        await exchange.editOrder(order.id, BTC, 'limit', 'buy', 10, price);
      }
      seen = await orders.until((o) => o.id === order.id, WATCH_TIMEOUT_MS);
    }
    check(seen !== undefined, `watchOrders delivered no update of ${order.id} within ${WATCH_TIMEOUT_MS} ms after each of 3 changes`);
    check(seen.info.label === watchLabel && seen.status === 'open', `watched update should be the open labelled order: ${JSON.stringify(summary(seen))}`);
    await exchange.cancelOrder(order.id, BTC);
    const cancelled = await orders.until((o) => o.id === order.id && o.status === 'canceled', WATCH_TIMEOUT_MS);
    check(cancelled !== undefined, `watchOrders delivered no cancellation of ${order.id}`);
    return { id: order.id, changes: attempts, first: seen.status, then: cancelled.status };
  });

  await step('watchMyTrades', async () => {
    // user.orders is live by now (the previous step saw it); user.trades was subscribed on the same
    // connection but ccxt spaces its WebSocket sends, so a first fill may still come too early: then
    // the next market order's fill is the one to see.
    let watchedOrder;
    let watchedTrade;
    let order;
    let attempts = 0;
    for (; attempts < 3 && watchedTrade === undefined; attempts++) {
      const tag = label(`watch-taker-${attempts}`);
      order = await exchange.createOrder(BTC, 'market', 'sell', 10, undefined, { label: tag });
      [watchedOrder, watchedTrade] = await Promise.all([
        orders.until((o) => o.id === order.id && o.status === 'closed', WATCH_TIMEOUT_MS),
        myTrades.until((t) => t.order === order.id, WATCH_TIMEOUT_MS),
      ]);
      check(watchedOrder !== undefined && watchedOrder.id === order.id,
        `watchOrders delivered no filled update of the market order ${order.id} within ${WATCH_TIMEOUT_MS} ms`);
    }
    check(watchedTrade !== undefined, `watchMyTrades delivered no fill within ${WATCH_TIMEOUT_MS} ms after each of ${attempts} market orders`);
    check(watchedTrade.order === order.id && watchedTrade.side === 'sell' && watchedTrade.amount > 0 && watchedTrade.symbol === BTC,
      `watched fill should be a sell of ${order.id} in ${BTC}: ${JSON.stringify({ order: watchedTrade.order, side: watchedTrade.side, amount: watchedTrade.amount, symbol: watchedTrade.symbol })}`);
    return { id: order.id, orders: attempts, order: watchedOrder.status, trade: { id: watchedTrade.id, price: watchedTrade.price, amount: watchedTrade.amount } };
  });
}

try {
  await main();
  report('done');
  await exchange.close();
  process.exit(0);
} catch (e) {
  console.log(JSON.stringify({ step: currentStep, ok: false, error: `${e.constructor?.name ?? 'Error'}: ${e.message}` }));
  try {
    await exchange.close();
  } catch (ignored) {
    // the failure is already reported
  }
  process.exit(1);
}
