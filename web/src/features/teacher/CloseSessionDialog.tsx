import { Modal } from '../../ui/common';

/** "Close the session?": says how many students will be marked absent. */
export function CloseSessionDialog({
  unmarked,
  busy,
  onCancel,
  onConfirm,
}: {
  unmarked: number;
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <Modal title="Close the session?" onClose={onCancel}>
      <p data-testid="close-confirm-text">
        {unmarked === 0
          ? 'Every student has a status: nobody will be marked absent.'
          : `${unmarked} student${unmarked === 1 ? ' has' : 's have'} not checked in and will be marked absent.`}
      </p>
      <div class="row end">
        <button onClick={onCancel}>Cancel</button>
        <button class="danger" onClick={onConfirm} disabled={busy}>
          Yes, close it
        </button>
      </div>
    </Modal>
  );
}
