import * as vscode from 'vscode';

/**
 * A small multi-step input: a flow is a list of step functions run in order over one state object. Each step
 * shows its InputBox or QuickPick through `input`; the Back button (from the second shown step on) returns to
 * the previous step that showed something, with the state kept (each step prefills from it); Escape cancels
 * the whole flow. A step that does not apply (see `when`) is skipped both ways.
 */
export type Step<S> = ((input: MultiStepInput, state: S) => Promise<void>) & { applies?: (state: S) => boolean };

/** A step that runs only when `applies(state)` holds (e.g. the CA path only after "Enter path…"). */
export function when<S>(applies: (state: S) => boolean, step: Step<S>): Step<S> {
  const wrapped: Step<S> = (input, state) => step(input, state);
  wrapped.applies = applies;
  return wrapped;
}

/** Thrown by a shown step: the user pressed Back or Escape. */
export class InputFlowAction {
  private constructor(readonly name: string) {}
  static readonly back = new InputFlowAction('back');
  static readonly cancel = new InputFlowAction('cancel');
}

export interface InputBoxStep {
  prompt: string;
  placeholder?: string;
  value?: string;
  password?: boolean;
  /** An error message, or undefined when the value is fine; checked as the user types and again on Enter. */
  validate?: (value: string) => string | undefined | Promise<string | undefined>;
}

export interface QuickPickStep<T extends vscode.QuickPickItem> {
  placeholder: string;
  items: readonly T[];
  /** The item Enter picks (the current or recommended one). */
  active?: T;
  matchOnDetail?: boolean;
  /** Overrides the flow's title for this step. */
  title?: string;
}

export class MultiStepInput {
  /** Set by the runner for each step. */
  step = 1;
  totalSteps = 1;
  canGoBack = false;
  /** Whether the current step showed anything (only those are returned to by Back). */
  shown = false;

  constructor(readonly title: string) {}

  private decorate(q: vscode.QuickInput & { buttons: readonly vscode.QuickInputButton[] }, title?: string): void {
    q.title = title ?? this.title;
    q.step = this.step;
    q.totalSteps = Math.max(this.step, this.totalSteps);
    q.ignoreFocusOut = true;
    q.buttons = this.canGoBack ? [vscode.QuickInputButtons.Back] : [];
  }

  inputBox(o: InputBoxStep): Promise<string> {
    this.shown = true;
    const box = vscode.window.createInputBox();
    this.decorate(box);
    box.prompt = o.prompt;
    box.placeholder = o.placeholder;
    box.value = o.value ?? '';
    box.password = o.password ?? false;
    return new Promise<string>((resolve, reject) => {
      const subscriptions: vscode.Disposable[] = [];
      let settled = false;
      const finish = (done: () => void): void => {
        if (settled) return;
        settled = true;
        subscriptions.forEach((d) => d.dispose());
        box.dispose();
        done();
      };
      const check = async (value: string): Promise<string | undefined> => (o.validate ? await o.validate(value) : undefined);
      subscriptions.push(
        box.onDidTriggerButton((b) => {
          if (b === vscode.QuickInputButtons.Back) finish(() => reject(InputFlowAction.back));
        }),
        box.onDidChangeValue(async (value) => {
          const message = await check(value);
          // Only the answer for what is in the box now (a slower check of an older value must not win).
          if (!settled && box.value === value) box.validationMessage = message;
        }),
        box.onDidAccept(async () => {
          const value = box.value;
          box.busy = true;
          box.enabled = false;
          const message = await check(value);
          box.busy = false;
          box.enabled = true;
          if (message !== undefined) box.validationMessage = message;
          else finish(() => resolve(value));
        }),
        box.onDidHide(() => finish(() => reject(InputFlowAction.cancel))),
      );
      box.show();
    });
  }

  quickPick<T extends vscode.QuickPickItem>(o: QuickPickStep<T>): Promise<T> {
    this.shown = true;
    const pick = vscode.window.createQuickPick<T>();
    this.decorate(pick, o.title);
    pick.placeholder = o.placeholder;
    pick.matchOnDetail = o.matchOnDetail ?? false;
    pick.items = o.items;
    if (o.active) pick.activeItems = [o.active];
    return new Promise<T>((resolve, reject) => {
      const subscriptions: vscode.Disposable[] = [];
      let settled = false;
      const finish = (done: () => void): void => {
        if (settled) return;
        settled = true;
        subscriptions.forEach((d) => d.dispose());
        pick.dispose();
        done();
      };
      subscriptions.push(
        pick.onDidTriggerButton((b) => {
          if (b === vscode.QuickInputButtons.Back) finish(() => reject(InputFlowAction.back));
        }),
        pick.onDidAccept(() => {
          const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
          if (chosen) finish(() => resolve(chosen));
        }),
        pick.onDidHide(() => finish(() => reject(InputFlowAction.cancel))),
      );
      pick.show();
    });
  }
}

/**
 * Runs the steps over `state`. Returns false when the user cancelled (Escape); nothing else is thrown for
 * Back or Escape.
 */
export async function runSteps<S>(title: string, steps: readonly Step<S>[], state: S): Promise<boolean> {
  const input = new MultiStepInput(title);
  const history: number[] = [];
  const applies = (i: number): boolean => steps[i]!.applies?.(state) ?? true;
  let i = 0;
  while (i < steps.length) {
    if (!applies(i)) {
      i++;
      continue;
    }
    let remaining = 0;
    for (let j = i; j < steps.length; j++) if (applies(j)) remaining++;
    input.step = history.length + 1;
    input.totalSteps = history.length + remaining;
    input.canGoBack = history.length > 0;
    input.shown = false;
    try {
      await steps[i]!(input, state);
      if (input.shown) history.push(i);
      i++;
    } catch (e) {
      if (e === InputFlowAction.cancel) return false;
      if (e !== InputFlowAction.back) throw e;
      i = history.pop() ?? i;
    }
  }
  return true;
}
