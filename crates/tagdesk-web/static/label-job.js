// The job page of a background label print (templates/labels/job.html): while the job runs, its progress is
// read from `data-job-status` (GET /labels/jobs/{id}/status, JSON) once a second and shown in place, so the
// page never reloads under a reader's or a screen reader's feet; the live status line speaks at most once
// per quarter. When the job ends the page loads once more, with the download or the error. Without
// scripts the page refreshes itself instead (a <noscript> meta refresh).
'use strict';
(() => {
  const panel = document.querySelector('[data-job-status]');
  if (!panel) return;
  const url = panel.getAttribute('data-job-status');
  const bar = document.getElementById('job-progress');
  const label = document.getElementById('job-progress-label');
  const status = document.getElementById('job-status');
  let quarter = -1;
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
      if (response.ok) {
        const job = await response.json();
        if (!job.running) {
          window.location.reload();
          return;
        }
        bar.value = job.percent;
        bar.textContent = `${job.percent} %`;
        label.textContent = `${job.done} of ${job.total} labels`;
        if (Math.floor(job.percent / 25) !== quarter) {
          quarter = Math.floor(job.percent / 25);
          status.textContent = `${job.percent} % — this page updates itself; you can also leave and come back.`;
        }
      }
    } catch {
      // A lost connection: the next poll tries again.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
})();
