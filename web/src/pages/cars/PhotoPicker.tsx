import { FileInput, Image, Stack } from "@mantine/core";
import { IconPhoto } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

export const PHOTO_TYPES = "image/jpeg,image/png,image/webp";

/** A file input for a car photo, with a preview of the chosen file before it is sent. */
export function PhotoPicker({
  file,
  onChange,
  error,
}: {
  file: File | null;
  onChange: (file: File | null) => void;
  error?: string | null;
}) {
  const { t } = useTranslation();
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(() => {
    if (!file) return setPreview(null);
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);
  return (
    <Stack gap="xs">
      <FileInput
        label={t("cars.choosePhoto")}
        accept={PHOTO_TYPES}
        clearable
        clearButtonProps={{ "aria-label": t("cars.clearPhoto") }}
        value={file}
        onChange={onChange}
        error={error}
        leftSection={<IconPhoto size={16} aria-hidden />}
        w={360}
      />
      {preview && <Image src={preview} alt={t("cars.photoPreview")} maw={320} radius="sm" />}
    </Stack>
  );
}
