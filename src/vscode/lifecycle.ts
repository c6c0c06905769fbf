import type * as vscode from 'vscode';

/** Something that owns disposables and releases them together (extension- or connection-scoped). */
export class DisposableStore implements vscode.Disposable {
  private readonly items: vscode.Disposable[] = [];
  private disposed = false;

  add<T extends vscode.Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  dispose(): void {
    this.disposed = true;
    for (const item of this.items.splice(0).reverse()) {
      try {
        item.dispose();
      } catch {
        // Disposing must go on for the rest.
      }
    }
  }
}

/** Base class with `_register`, for services that own listeners. */
export abstract class DisposableBase implements vscode.Disposable {
  private readonly store = new DisposableStore();

  protected _register<T extends vscode.Disposable>(item: T): T {
    return this.store.add(item);
  }

  dispose(): void {
    this.store.dispose();
  }
}
