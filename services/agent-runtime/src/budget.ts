/**
 * The token's money, in micro-USD. Every call reserves its worst-case cost
 * before it goes upstream and settles to its actual cost after; a call whose
 * reservation does not fit is refused. Node runs this synchronously on one
 * thread, so parallel calls can never reserve more than what remains.
 */
export class Budget {
  /** Spend settled in the local ledger. */
  private localSpent: number;
  /** Spend the panel has seen from this token beyond our own (another runtime sharing the token). */
  private externalSpent = 0;
  private reserved = 0;
  private inFlight = 0;

  constructor(private limit: number, localSpent: number) {
    this.localSpent = localSpent;
  }

  get budgetMicros(): number {
    return this.limit;
  }
  get spentMicros(): number {
    return this.localSpent + this.externalSpent;
  }
  get reservedMicros(): number {
    return this.reserved;
  }
  get remainingMicros(): number {
    return Math.max(0, this.limit - this.spentMicros - this.reserved);
  }
  get callsInFlight(): number {
    return this.inFlight;
  }
  /** Share of the budget spent or reserved, 0..1+. */
  get usedFraction(): number {
    return this.limit === 0 ? 1 : (this.spentMicros + this.reserved) / this.limit;
  }

  tryReserve(micros: number): boolean {
    if (this.spentMicros + this.reserved + micros > this.limit) return false;
    this.reserved += micros;
    this.inFlight += 1;
    return true;
  }

  settle(reservedMicros: number, costMicros: number): void {
    this.reserved -= reservedMicros;
    this.inFlight -= 1;
    this.localSpent += costMicros;
  }

  setLimit(budgetMicros: number): void {
    this.limit = budgetMicros;
  }

  /** The panel's view: `panelSpent` counts our delivered events plus anyone else's; `undelivered` is our spend it has not seen yet. */
  observePanelSpend(panelSpent: number, undelivered: number): void {
    this.externalSpent = Math.max(0, panelSpent - (this.localSpent - undelivered));
  }
}
