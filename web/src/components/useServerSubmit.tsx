import { Alert } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { errorMessage } from "../api/problems";
import { showFieldErrors } from "./serverErrors";

interface ServerForm<T> {
  onSubmit: (handler: (values: T) => Promise<void>) => (event?: React.FormEvent<HTMLFormElement>) => void;
  setErrors: (errors: Record<string, string>) => void;
  values: T;
}

/**
 * A form's submit handler that sends its values: a refusal of the server goes beside the
 * inputs it names, or in `failure` above the form; what was typed stays either way.
 */
export function useServerSubmit<T extends object>(form: ServerForm<T>, action: (values: T) => Promise<void>) {
  const { t } = useTranslation();
  const [failure, setFailure] = useState<string | null>(null);
  const onSubmit = form.onSubmit(async (values) => {
    setFailure(null);
    try {
      await action(values);
    } catch (e) {
      if (!showFieldErrors(form, t, e)) setFailure(errorMessage(t, e));
    }
  });
  return { onSubmit, failure, clear: () => setFailure(null) };
}

/** The message of a refused form, above its inputs. */
export function FailureAlert({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <Alert color="red" role="alert">
      {message}
    </Alert>
  );
}
