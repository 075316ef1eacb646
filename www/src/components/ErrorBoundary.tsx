// Shows a crash of the sheet view instead of an empty page.
import { Component, type ErrorInfo, type ReactNode } from "react";
import { errorMessage } from "../errors";

interface Props {
  children: ReactNode;
}

interface State {
  error: unknown;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error("the sheet view crashed", error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error === undefined) return this.props.children;
    return (
      <div className="placeholder">
        <p className="problem" role="alert">
          The sheet view crashed: {errorMessage(this.state.error)}
        </p>
        <button type="button" onClick={() => this.setState({ error: undefined })}>
          Try again
        </button>
      </div>
    );
  }
}
